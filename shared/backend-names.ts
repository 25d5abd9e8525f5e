// Backend names as plain data (no zod): the CLI's flag descriptors import them at every start.
export const BACKEND_ORDER = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const
export const BACKEND_CHOICES = ['auto', ...BACKEND_ORDER] as const
