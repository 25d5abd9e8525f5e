// Backend names as plain data (no zod): the CLI's flag descriptors import them at every start.
/** Automatic order: native TensorFlow (CUDA, then CPU), WebGPU (a hardware adapter), wasm, plain JS. */
export const BACKEND_ORDER = ['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const
export const BACKEND_CHOICES = ['auto', ...BACKEND_ORDER] as const
