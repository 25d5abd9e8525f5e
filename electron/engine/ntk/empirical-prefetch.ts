import { availableParallelism } from 'node:os'
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads'
import { DEFAULT_B_STD, DEFAULT_PARAMETERIZATION } from '../../../shared/arch/defaults'
import { Scratch } from '../core/scratch'
import { layerSizes, type DenseWeights, type FiniteFcArch } from '../nn/weights'
import { empiricalArrayNeeds } from './empirical-plan'
import { bundledWorkerUrl } from './worker-path'

// The first network of an `ntkw empirical` run, prepared on a second core while the main thread is still
// loading the engine (the job contract's schemas, tfjs, ONNX Runtime: ≈ 0.15–0.3 s in which the other core
// idles). The worker (empirical-prefetch-worker.ts) draws the network's weights, the very numbers
// drawMlpWeights gives on the main thread, and touches the pages of the large arrays the computation will
// take (empirical-plan.ts), in the order it takes them: both cost mostly page faults here (core/scratch.ts),
// ≈ 0.1 s together for 3 × 1 024 on 1 000 rows. Its arrays are transferred, not copied. The job waits for
// the weights only; from then on it computes on both cores, so the worker stops and the arrays it has not
// touched yet are allocated as usual. The job takes them only for exactly the network, data shape and seed
// they were prepared for; otherwise, and whenever the worker cannot start or fails, it draws and allocates
// as it always does, so results never depend on this.

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

/** what the worker is given: its port (the request comes as the port's first message) and a flag the main thread sets when it stops needing memory */
export interface PrefetchWorkerData {
  port: MessagePort
  stop: Int32Array
}

/** what the worker posts, in order: the weights, then each touched buffer (all transferred), or why it failed */
export type PrefetchMessage = { layers: DenseWeights[] } | { buffer: ArrayBuffer } | { error: string }

interface Pending {
  key: string
  worker: Worker
  port: MessagePort
  stop: Int32Array
  layers: Promise<DenseWeights[] | null>
  buffers: ArrayBuffer[]
}

/** an FC network as the CLI's flags give it: bias and parameterization may be left to their defaults */
export type FlagFcArch = Omit<FiniteFcArch, 'bStd' | 'parameterization'> & Partial<Pick<FiniteFcArch, 'bStd' | 'parameterization'>>

let pending: Pending | null = null

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

/** A prefetch worker started before its request is known, so that its start-up overlaps the caller's. */
export interface PrefetchWorker {
  /** gives it its request (checked as prefetchEmpiricalSample checks one); null, ending it, when not worth it */
  request(request: FlagRequest): { ended: Promise<void> } | null
  /** ends it unused */
  drop(): void
}

type FlagRequest = Omit<PrefetchRequest, 'arch'> & { arch: FlagFcArch }

/**
 * Starts a prefetch worker that waits for its request; null on one core or without the worker bundle (never
 * built). It does not keep the process alive until its result is taken.
 */
export function startPrefetchWorker(): PrefetchWorker | null {
  if (availableParallelism() < 2) return null
  const url = bundledWorkerUrl('empirical-prefetch-worker')
  if (!url) return null
  const stop = new Int32Array(new SharedArrayBuffer(4))
  const { port1, port2 } = new MessageChannel()
  let worker: Worker
  try {
    const data: PrefetchWorkerData = { port: port2, stop }
    worker = new Worker(url, { workerData: data, transferList: [port2] })
  } catch {
    port1.close()
    return null
  }
  const buffers: ArrayBuffer[] = []
  const layers = new Promise<DenseWeights[] | null>((resolve) => {
    const onMessage = (m: PrefetchMessage): void => {
      if ('layers' in m) resolve(m.layers)
      else if ('buffer' in m) buffers.push(m.buffer)
      else resolve(null)
    }
    port1.on('message', onMessage)
    worker.once('error', () => resolve(null))
    // the exit can be seen before the port's last messages are: take those first
    worker.once('exit', () => {
      drain(port1, onMessage)
      resolve(null)
    })
  })
  const ended = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
  // neither keeps the process alive until the sample is taken (a listening port would)
  worker.unref()
  port1.unref()
  let used = false
  const drop = (): void => {
    used = true
    // the worker ends when its port closes
    port1.close()
  }
  return {
    request(request) {
      if (used) return null
      const r: PrefetchRequest = { ...request, arch: withDefaults(request.arch) }
      if (sampleBytes(r) < PREFETCH_MIN_BYTES) {
        drop()
        return null
      }
      used = true
      port1.postMessage(r)
      if (pending) stopWorker(pending)
      pending = { key: keyOf(r), worker, port: port1, stop, layers, buffers }
      return { ended }
    },
    drop,
  }
}

/**
 * Starts preparing one sample on a worker thread; null where it is not worth it (one core, a small network
 * on few rows) or not possible (the worker bundle was never built), else when the worker has ended. The
 * worker does not keep the process alive until its result is taken.
 */
export function prefetchEmpiricalSample(request: FlagRequest): { ended: Promise<void> } | null {
  const r: PrefetchRequest = { ...request, arch: withDefaults(request.arch) }
  if (sampleBytes(r) < PREFETCH_MIN_BYTES) return null
  return startPrefetchWorker()?.request(r) ?? null
}

/**
 * The sample prefetchEmpiricalSample started for exactly this request (once), else null; resolves null if the
 * worker failed. Waits for the weights only: the worker stops touching memory now (the main thread computes
 * on both cores from here), and the Scratch holds the buffers that are ready.
 */
export async function takeEmpiricalPrefetch(r: PrefetchRequest): Promise<Prefetched | null> {
  if (!pending) return null
  const p = pending
  pending = null
  if (p.key !== keyOf(r)) {
    stopWorker(p)
    return null
  }
  // awaited from here on: the process must wait for it
  p.worker.ref()
  p.port.ref()
  const layers = await p.layers
  stopWorker(p)
  // buffers posted but not yet dispatched (this thread was busy) are taken from the port directly
  drain(p.port, (m) => {
    if ('buffer' in m) p.buffers.push(m.buffer)
  })
  p.port.close()
  p.worker.unref()
  return layers ? { layers, scratch: new Scratch(p.buffers) } : null
}

/** hands the messages waiting on the port to `on`, now */
function drain(port: MessagePort, on: (m: PrefetchMessage) => void): void {
  for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) on(m.message as PrefetchMessage)
}

function stopWorker(p: Pending): void {
  Atomics.store(p.stop, 0, 1)
}
