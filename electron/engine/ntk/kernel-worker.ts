import { parentPort } from 'node:worker_threads'
import type { FcArch } from '../../../shared/arch'
import { errorInfo } from '../../../shared/errors'
import { serveInOrder } from '../core/threads'
import { initGemm } from '../blas/gemm'
import { backendInfo } from '../runtime/backend-plan'
import type { CholInitMessage, CholReply, CholUnitRequest, InitMessage, ReleaseMessage, TileRequest, WorkerReply } from './protocol'
import { cholViews, runCholUnit, type CholViews } from '../linalg/chol-units'
import type { FusedFcPlan } from './fc-fused'
import type { PointBlock, TileKernels } from './tile'
import { finishTile } from './tile-finish'
import { fusedPlanOf, fusedTileOf, mlasGram, VarianceCache } from './tile-fused'

// A tile worker: its own tfjs backend (wasm runs one thread per process, so one worker per core is how
// the analytic kernel uses every core). Receives the points once, then computes tiles on request.
// A fused FC kernel (a ReLU-family network) on a CPU backend whose GEMM is MLAS needs no tfjs at all: its
// tiles are a GEMM and typed-array loops (tile-fused.ts). Such a worker never loads tfjs nor starts its wasm
// backend (≈ 65–80 ms and ≈ 20 MB per thread here); it reports the backend it was sent, which is the one
// this job's thread computes on. Every other job loads the tfjs side (kernel-worker-tfjs.ts) as before.
const port = parentPort
if (!port) throw new Error('kernel-worker.ts must run in a worker thread')

interface Setup {
  msg: InitMessage
  x: Float32Array
  x2: Float32Array
  /** selfDiagonal: a square tile on the diagonal of a kernel of x with itself */
  tile(rows: PointBlock, cols: PointBlock, selfDiagonal: boolean, m: TileRequest): TileKernels
  dispose(): void
}
let setup: Setup | null = null

/** The backend this worker computes a job's tiles on without tfjs, or null when it needs tfjs. */
async function withoutTfjs(m: InitMessage, plan: FusedFcPlan | null): Promise<string | null> {
  // a backend initialised in this thread by an earlier job stays the one its tiles are computed on
  if (!plan || backendInfo() || (m.backend !== 'wasm' && m.backend !== 'cpu')) return null
  return (await initGemm(m.backend)).provider === 'mlas' ? m.backend : null
}

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
      setup?.dispose()
      setup = null
      chol = null
      return
    }
    if (m.type === 'chol-init') {
      const { initBackend } = await import('./kernel-worker-tfjs')
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
      const spatial = 'plan' in m.arch ? m.arch : null
      const plan = spatial ? null : fusedPlanOf(m.arch as FcArch)
      const lean = await withoutTfjs(m, plan)
      const t = lean ? null : await import('./kernel-worker-tfjs')
      const backend = lean ?? (await t!.initBackend(m.backend)).active
      const x = new Float32Array(m.x)
      setup?.dispose()
      const x2 = m.x2 ? new Float32Array(m.x2) : x
      if (lean) {
        const q = new VarianceCache()
        setup = { msg: m, x, x2, tile: (r, c, selfDiagonal) => fusedTileOf(plan!, mlasGram(r, c), r, c, m.kernels, selfDiagonal, q), dispose: () => q.dispose() }
      } else {
        const tfjs = t!
        const layers = spatial ? null : tfjs.fcLayers(m.arch as FcArch)
        const tiler = spatial ? new tfjs.SpatialTiler(spatial.plan, x, x2, m.d, m.kernels) : null
        const cache = new tfjs.TileInputCache()
        setup = {
          msg: m,
          x,
          x2,
          tile: (r, c, selfDiagonal, req) => (tiler ? tiler.tile(req, selfDiagonal) : tfjs.computeTile(layers!, r, c, m.kernels, selfDiagonal, cache)),
          dispose: () => cache.dispose(),
        }
      }
      reply({ type: 'ready', backend })
      return
    }
    if (!setup) throw new Error('tile requested before init')
    const { msg, x, x2 } = setup
    const self = msg.x2 === null
    const t0 = performance.now()
    const described = 'plan' in msg.arch ? { depth: msg.arch.plan.steps.length, wStd: 1 } : msg.arch
    const out = finishTile(m, setup.tile(block(x, m.row0, m.rows, msg.d, `r${m.row0}:${m.rows}`), block(x2, m.col0, m.cols, msg.d, `c${m.col0}:${m.cols}`), self && m.row0 === m.col0, m), described, self)
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
