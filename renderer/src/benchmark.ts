import type { JobSpecInput } from '../../shared/jobs/spec'
import type { BackendBenchmarkResult } from '../../shared/jobs/results'

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x)

/** Reads a stored result defensively (a run from another version may have another shape): drops malformed rows. */
export function parseBenchmarkResult(x: unknown): BackendBenchmarkResult | null {
  if (!x || typeof x !== 'object') return null
  const o = x as Record<string, unknown>
  if (!Array.isArray(o.matmul) || !Array.isArray(o.elementwise)) return null
  const matmul = o.matmul.filter(
    (m): m is BackendBenchmarkResult['matmul'][number] => !!m && isNum((m as Record<string, unknown>).n) && isNum((m as Record<string, unknown>).ms) && isNum((m as Record<string, unknown>).gflops),
  )
  const elementwise = o.elementwise.filter(
    (e): e is BackendBenchmarkResult['elementwise'][number] =>
      !!e && typeof (e as Record<string, unknown>).op === 'string' && isNum((e as Record<string, unknown>).size) && isNum((e as Record<string, unknown>).ms) && isNum((e as Record<string, unknown>).gelemPerS),
  )
  return { backend: typeof o.backend === 'string' ? o.backend : '?', matmul, elementwise }
}

export interface BenchmarkPreset {
  id: string
  label: string
  spec: JobSpecInput & { kind: 'backend-benchmark' }
}

export const BENCHMARK_PRESETS: BenchmarkPreset[] = [
  {
    id: 'quick',
    label: 'Quick — matmul 128–512',
    spec: { kind: 'backend-benchmark', name: 'Backend benchmark (quick)', matmulSizes: [128, 256, 512], elementwiseSizes: [1 << 18, 1 << 20], repeats: 3 },
  },
  {
    id: 'standard',
    label: 'Standard — matmul 256–1024',
    spec: { kind: 'backend-benchmark', name: 'Backend benchmark', matmulSizes: [256, 512, 1024], elementwiseSizes: [1 << 20, 1 << 22], repeats: 3 },
  },
  {
    id: 'large',
    label: 'Large — matmul 1024–3072 (minutes)',
    spec: { kind: 'backend-benchmark', name: 'Backend benchmark (large)', matmulSizes: [1024, 2048, 3072], elementwiseSizes: [1 << 22, 1 << 24], repeats: 5 },
  },
]
