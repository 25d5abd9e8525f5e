// One machine-readable benchmark result. `baseline` is a straightforward implementation measured in the
// same run; `ratio` = baseline time / our time (higher is better) unless `meta.ratioMeaning` says otherwise.
export interface BenchResult {
  name: string
  value: number
  unit: string
  baseline?: { name: string; value: number }
  ratio?: number
  target?: string
  meta?: Record<string, unknown>
}

export type BenchModule = { run(): Promise<BenchResult[]> }

export const QUICK = process.env.BENCH_QUICK === '1'

/** median wall time of `fn` in milliseconds over `repeats` runs after `warmup` runs */
export async function timeMs(fn: () => unknown | Promise<unknown>, repeats = 3, warmup = 1): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn()
  const times: number[] = []
  for (let i = 0; i < repeats; i++) {
    const t = performance.now()
    await fn()
    times.push(performance.now() - t)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)]!
}
