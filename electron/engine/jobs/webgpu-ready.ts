import type { JobSpec } from '../../../shared/index'

// WebGPU results reach JavaScript only asynchronously in Node (no synchronous GPU read-back outside a
// browser page), so a job runs on webgpu only when every read on its path is `await t.data()`. These
// are the ported paths; every other job, when webgpu is active, runs on the CPU companion backend (wasm)
// and its run records that backend.
export function runsOnWebgpu(spec: JobSpec): boolean {
  switch (spec.kind) {
    case 'kernel': // tiles read asynchronously; the subsample spectrum's eigensolver runs on the companion
      return true
    case 'train': // the layers-model path (network or topology); the `arch` MLP path reads synchronously
      return Boolean(spec.network || spec.topology)
    case 'model-evaluate':
      return true
    default:
      return false
  }
}
