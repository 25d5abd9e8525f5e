import { parentPort } from 'node:worker_threads'
import type { FcArch } from '../../../shared/arch'
import { errorInfo } from '../../../shared/errors'
import { serveInOrder } from '../core/threads'
import { initBackend } from '../runtime/backend'
import { fcLayers, type KernelLayer } from './layers'
import type { CholInitMessage, CholReply, CholUnitRequest, InitMessage, ReleaseMessage, TileRequest, WorkerReply } from './protocol'
import { cholViews, runCholUnit, type CholViews } from '../linalg/chol-units'
import { computeTile, TileInputCache, type PointBlock } from './tile'
import { finishTile } from './tile-finish'
import { SpatialTiler } from './spatial'

// A tile worker: its own tfjs backend (wasm runs one thread per process, so one worker per core is how
// the analytic kernel uses every core). Receives the points once, then computes tiles on request.
const port = parentPort
if (!port) throw new Error('kernel-worker.ts must run in a worker thread')

let setup: { msg: InitMessage; layers: KernelLayer | null; tiler: SpatialTiler | null; x: Float32Array; x2: Float32Array; cache: TileInputCache } | null = null

function block(data: Float32Array, row0: number, rows: number, d: number, key: string): PointBlock {
  return { data: data.subarray(row0 * d, (row0 + rows) * d), rows, d, key }
}

/** the shared buffers of the Cholesky factorisation this worker helps with (linalg/cholesky.ts) */
let chol: CholViews | null = null

function reply(m: WorkerReply | CholReply, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(m, transfer)
}

type Message = InitMessage | TileRequest | ReleaseMessage | CholInitMessage | CholUnitRequest

async function handle(m: Message): Promise<void> {
  try {
    if (m.type === 'release') {
      setup?.cache.dispose()
      setup = null
      chol = null
      return
    }
    if (m.type === 'chol-init') {
      const info = await initBackend(m.backend)
      chol = cholViews(m)
      reply({ type: 'ready', backend: info.active })
      return
    }
    if (m.type === 'chol-unit') {
      if (!chol) throw new Error('Cholesky unit requested before chol-init')
      runCholUnit(chol, m.unit)
      reply({ type: 'chol-done', id: m.id })
      return
    }
    if (m.type === 'init') {
      // one WebGPU device per process: tiles of a webgpu job run on the engine's thread (ntk/analytic.ts)
      if (m.backend === 'webgpu') throw new Error('kernel workers do not open WebGPU devices; webgpu tiles run on the job thread')
      const info = await initBackend(m.backend)
      const x = new Float32Array(m.x)
      setup?.cache.dispose()
      const x2 = m.x2 ? new Float32Array(m.x2) : x
      const spatial = 'plan' in m.arch ? m.arch : null
      setup = {
        msg: m,
        layers: spatial ? null : fcLayers(m.arch as FcArch),
        tiler: spatial ? new SpatialTiler(spatial.plan, x, x2, m.d, m.kernels) : null,
        x,
        x2,
        cache: new TileInputCache(),
      }
      reply({ type: 'ready', backend: info.active })
      return
    }
    if (!setup) throw new Error('tile requested before init')
    const { msg, layers, tiler, x, x2, cache } = setup
    const self = msg.x2 === null
    const t0 = performance.now()
    const described = 'plan' in msg.arch ? { depth: msg.arch.plan.steps.length, wStd: 1 } : msg.arch
    const out = finishTile(m, tiler ? tiler.tile(m, self && m.row0 === m.col0) : computeTile(
      layers!,
      block(x, m.row0, m.rows, msg.d, `r${m.row0}:${m.rows}`),
      block(x2, m.col0, m.cols, msg.d, `c${m.col0}:${m.cols}`),
      msg.kernels,
      self && m.row0 === m.col0,
      cache,
    ), described, self)
    out.computeMs = performance.now() - t0
    const transfer = [out.ntk, out.nngp, out.mirrorNtk, out.mirrorNngp].map((a) => a?.buffer).filter((b): b is ArrayBuffer => b instanceof ArrayBuffer)
    reply({ type: 'tile', id: m.id, ...out }, transfer)
  } catch (e) {
    const info = errorInfo(e)
    reply({ type: 'error', id: m.type === 'tile' || m.type === 'chol-unit' ? m.id : null, ...info })
  }
}

// One message at a time, in order: init awaits the backend, and a job that finished on the coordinating
// thread before this worker was ready sends release and the next job's init meanwhile; handled concurrently,
// two backend initialisations raced and left tfjs with kernels of one backend on the other. A cancelled or
// failed job ends this thread after its tile in hand (core/threads.ts: never terminated inside a GEMM).
serveInOrder<Message>(port, handle)
