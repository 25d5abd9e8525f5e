import { z } from 'zod'
import { BACKEND_CHOICES, BACKEND_ORDER } from './backend-names'

export { BACKEND_CHOICES, BACKEND_ORDER }
export const BackendName = z.enum(BACKEND_ORDER)
export type BackendName = z.infer<typeof BackendName>
export const BackendChoice = z.enum(BACKEND_CHOICES)
export type BackendChoice = z.infer<typeof BackendChoice>

/** A WebGPU adapter as the driver describes it (GPUAdapterInfo), and whether it computes on the CPU. */
export const GpuAdapter = z.object({
  vendor: z.string(),
  architecture: z.string(),
  device: z.string(),
  description: z.string(),
  /** a CPU implementation (SwiftShader, llvmpipe, WARP, ...): isFallbackAdapter or a known name */
  software: z.boolean(),
})
export type GpuAdapter = z.infer<typeof GpuAdapter>

export const BackendAttempt = z.object({
  name: BackendName,
  /** npm package tried */
  package: z.string(),
  ok: z.boolean(),
  /** why it could not be used (absent when ok) */
  reason: z.string().optional(),
  /** webgpu: the adapter found, also when it was not used (e.g. a software adapter under auto) */
  adapter: GpuAdapter.optional(),
})
export type BackendAttempt = z.infer<typeof BackendAttempt>

/** mlas: ONNX Runtime's CPU GEMM (onnxruntime-node); tfjs: matMul on the active tfjs backend */
export const GemmInfo = z.object({
  provider: z.enum(['mlas', 'tfjs']),
  version: z.string(),
  threads: z.number().int().positive(),
  /** why mlas is not used, when it is not */
  reason: z.string().optional(),
})
export type GemmInfo = z.infer<typeof GemmInfo>

export const BackendInfo = z.object({
  /** name as tfjs reports it: 'tensorflow' | 'webgpu' | 'wasm' | 'cpu' */
  active: z.string(),
  /** which of our choices produced it */
  choice: BackendName,
  tried: z.array(BackendAttempt),
  /** the user's override, if any */
  requested: BackendChoice,
  tfjsVersion: z.string(),
  wasmSimd: z.boolean().optional(),
  wasmThreads: z.number().int().optional(),
  /** webgpu: the adapter the device was created on */
  adapter: GpuAdapter.optional(),
  /** the float32 GEMM the engine's kernels, solves and feature maps multiply with (electron/engine/blas) */
  gemm: GemmInfo.optional(),
})
export type BackendInfo = z.infer<typeof BackendInfo>

/** One line naming an adapter: "google swiftshader (SwiftShader driver 5.0.0), software". */
export function adapterLabel(a: GpuAdapter): string {
  const name = [a.vendor, a.architecture].filter(Boolean).join(' ') || 'unnamed adapter'
  const detail = [a.device, a.description].filter(Boolean).join(', ')
  return `${name}${detail ? ` (${detail})` : ''}${a.software ? ', software (runs on the CPU)' : ''}`
}

/** "ONNX Runtime MLAS 1.31.1, 2 threads" or "tfjs matMul (why)" */
export function gemmLabel(g: GemmInfo): string {
  return g.provider === 'mlas' ? `ONNX Runtime MLAS ${g.version}, ${g.threads} thread${g.threads === 1 ? '' : 's'}` : `tfjs matMul${g.reason ? ` (${g.reason})` : ''}`
}
