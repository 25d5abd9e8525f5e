import type { BackendChoice } from '../../../shared/backend'
import type { UnitJob } from '../../../shared/cluster'

// Messages of unit-worker.ts (an `ntkw worker`'s study and sweep units: a distillation study's (loss, seed),
// a quantization sweep's cell). One request at a time per thread; the job was checked against the cluster
// contract and its inputs against their content hashes before it gets here.
export interface UnitRequest {
  type: 'unit'
  id: number
  backend: BackendChoice
  job: UnitJob
  /** the job's `inputs`, by the same names (float32 row-major, rows × cols as its references say) */
  arrays: Record<string, Float32Array>
  /** the job's `blobs`, by the same names */
  blobs: Record<string, Uint8Array>
}

export type UnitReply =
  | { type: 'unit'; id: number; outcome: unknown; backend: string; computeMs: number }
  | { type: 'error'; id: number; message: string; code: string; hint?: string }
