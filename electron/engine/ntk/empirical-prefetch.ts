import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { DEFAULT_B_STD, DEFAULT_PARAMETERIZATION } from '../../../shared/arch/defaults'
import { Scratch } from '../core/scratch'
import { layerSizes, type DenseWeights, type FiniteFcArch } from '../nn/weights'
import { empiricalArrayNeeds } from './empirical-plan'
import { bundledWorkerUrl } from './worker-path'

// The first network of an `ntkw empirical` run, prepared on a second core while the main thread is still
// loading the engine (the job contract's schemas, tfjs, ONNX Runtime: ≈ 0.15–0.3 s in which the other core
// idles). The worker (empirical-prefetch-worker.ts) draws the network's weights, the very numbers
// drawMlpWeights gives on the main thread, and touches the pages of the large arrays the computation will
// take (empirical-plan.ts): both cost mostly page faults here (core/scratch.ts), ≈ 0.1 s together for
// 3 × 1 024 on 1 000 rows. Its arrays are transferred, not copied. The job takes them only for exactly the
// network, data shape and seed they were prepared for; otherwise, and whenever the worker cannot start or
// fails, it draws and allocates as it always does, so results never depend on this.

export interface PrefetchRequest {
  arch: FiniteFcArch
  inDim: number
  outDim: number
  seed: number
  /** rows of x, and of x2 (null: the kernel of x with itself) */
  n: number
  n2: number | null
  outputs: 'trace' | 'per-output'
}

export interface Prefetched {
  layers: DenseWeights[]
  scratch: Scratch
}

/** what the worker posts back: the weights and the touched buffers (transferred), or why it failed */
export type PrefetchReply = { layers: DenseWeights[]; buffers: ArrayBuffer[] } | { error: string }

/** an FC network as the CLI's flags give it: bias and parameterization may be left to their defaults */
export type FlagFcArch = Omit<FiniteFcArch, 'bStd' | 'parameterization'> & Partial<Pick<FiniteFcArch, 'bStd' | 'parameterization'>>

let pending: { key: string; worker: Worker; result: Promise<Prefetched | null> } | null = null

/** the network with the job contract's defaults filled in, as its parse fills them */
function withDefaults(a: FlagFcArch): FiniteFcArch {
  return { ...a, bStd: a.bStd === undefined ? DEFAULT_B_STD : a.bStd, parameterization: a.parameterization ?? DEFAULT_PARAMETERIZATION }
}

/** what the weights and arrays depend on */
function keyOf(r: PrefetchRequest): string {
  const a = r.arch
  return JSON.stringify([a.depth, a.width, a.wStd, a.bStd, a.parameterization, r.inDim, r.outDim, r.seed, r.n, r.n2, r.outputs])
}

/**
 * Below this many bytes of weights and arrays a worker thread costs more than it saves: starting one takes
 * ≈ 5–10 ms of this thread and ≈ 40 ms of the other core, and 8 MiB of page faults ≈ 25 ms.
 */
export const PREFETCH_MIN_BYTES = 8 * 2 ** 20

/** bytes of a sample's weights and large arrays */
export function sampleBytes(r: PrefetchRequest): number {
  const sizes = layerSizes(r.arch, r.inDim, r.outDim)
  let bytes = 0
  for (let l = 0; l + 1 < sizes.length; l++) bytes += 4 * (sizes[l]! + 1) * sizes[l + 1]!
  for (const a of empiricalArrayNeeds(sizes, r.n, r.n2, r.outputs)) bytes += a.length * (a.type === 'f64' ? 8 : 4)
  return bytes
}

/**
 * Starts preparing one sample on a worker thread; false where it is not worth it (one core, a small network
 * on few rows) or not possible (the worker bundle was never built). The worker does not keep the process
 * alive until its result is taken.
 */
export function prefetchEmpiricalSample(request: Omit<PrefetchRequest, 'arch'> & { arch: FlagFcArch }): boolean {
  const r: PrefetchRequest = { ...request, arch: withDefaults(request.arch) }
  if (availableParallelism() < 2 || sampleBytes(r) < PREFETCH_MIN_BYTES) return false
  const url = bundledWorkerUrl('empirical-prefetch-worker')
  if (!url) return false
  let worker: Worker
  try {
    worker = new Worker(url, { workerData: r })
  } catch {
    return false
  }
  worker.unref()
  const result = new Promise<Prefetched | null>((resolve) => {
    worker.once('message', (m: PrefetchReply) => resolve('error' in m ? null : { layers: m.layers, scratch: new Scratch(m.buffers) }))
    worker.once('error', () => resolve(null))
    worker.once('exit', () => resolve(null))
  })
  pending = { key: keyOf(r), worker, result }
  return true
}

/** The sample prefetchEmpiricalSample started for exactly this request (once), else null; resolves null if the worker failed. */
export function takeEmpiricalPrefetch(r: PrefetchRequest): Promise<Prefetched | null> | null {
  if (!pending) return null
  const p = pending
  pending = null
  if (p.key !== keyOf(r)) return null
  // awaited from here on: the process must wait for it
  p.worker.ref()
  return p.result
}
