import type { FcArch, FiniteKernelArch } from '../../../shared/arch'
import type { SpatialArch } from './spatial'
import type { BackendChoice, BackendName } from '../../../shared/backend'
import type { KernelName } from './tile'
import type { SamplePoints } from '../core/remote-tiles'
import type { FinishedTile } from './tile-finish'
import type { CholShared, CholUnit } from '../linalg/chol-units'

// Messages between the tile scheduler (main thread) and kernel-worker.ts. The points travel once, in
// SharedArrayBuffers; each tile request is a few numbers and each answer transfers its buffers.
export interface InitMessage {
  type: 'init'
  x: SharedArrayBuffer
  xRows: number
  x2: SharedArrayBuffer | null
  x2Rows: number
  d: number
  /** an FC network, or an ARCH.json kernel plan (spatial.ts) */
  arch: FcArch | SpatialArch
  kernels: KernelName[]
  /** the backend the job runs on: tiles are computed on the same one */
  backend: BackendName
}

export interface TileRequest {
  type: 'tile'
  id: number
  row0: number
  rows: number
  col0: number
  cols: number
}

/** drop the job's points (the worker stays warm for the next job) */
export interface ReleaseMessage {
  type: 'release'
}

/** map one Cholesky factorisation's shared buffers (linalg/chol-units.ts); answered by 'ready' */
export interface CholInitMessage extends CholShared {
  type: 'chol-init'
  backend: BackendName
}

export interface CholUnitRequest {
  type: 'chol-unit'
  id: number
  unit: CholUnit
}

/** answers to the Cholesky messages (a worker serves one kind of job at a time) */
export type CholReply =
  | { type: 'ready'; backend: string }
  | { type: 'chol-done'; id: number }
  | { type: 'error'; id: number | null; message: string; code: string; hint?: string }

export type WorkerReply =
  | { type: 'ready'; backend: string }
  | ({ type: 'tile'; id: number } & FinishedTile)
  | { type: 'error'; id: number | null; message: string; code: string; hint?: string }

// Messages of sample-worker.ts (an `ntkw worker`'s empirical samples): one request at a time per thread,
// the points copied with each request (a sample costs far more than the copy).
export interface SampleRequest extends SamplePoints {
  type: 'sample'
  id: number
  backend: BackendChoice
  arch: FiniteKernelArch
  seed: number
}

export type SampleReply =
  | { type: 'sample'; id: number; kernel: Float32Array; shape: number[]; backend: string; computeMs: number }
  | { type: 'error'; id: number; message: string; code: string; hint?: string }
