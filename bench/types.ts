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

/** n × d points uniform in [0, 1) like pixel intensities (an LCG), seeded so every run times the same work */
export function uniformPoints(n: number, d: number, seed: number): Float32Array {
  let a = seed >>> 0
  const out = new Float32Array(n * d)
  for (let i = 0; i < out.length; i++) {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0
    out[i] = a / 4294967296
  }
  return out
}
