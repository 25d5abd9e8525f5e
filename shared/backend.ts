import { z } from 'zod'
import { BACKEND_CHOICES, BACKEND_ORDER } from './backend-names'

export { BACKEND_CHOICES, BACKEND_ORDER }
export const BackendName = z.enum(BACKEND_ORDER)
export type BackendName = z.infer<typeof BackendName>
export const BackendChoice = z.enum(BACKEND_CHOICES)
export type BackendChoice = z.infer<typeof BackendChoice>

export const BackendAttempt = z.object({
  name: BackendName,
  /** npm package tried */
  package: z.string(),
  ok: z.boolean(),
  /** why it could not be used (absent when ok) */
  reason: z.string().optional(),
})
export type BackendAttempt = z.infer<typeof BackendAttempt>

export const BackendInfo = z.object({
  /** name as tfjs reports it: 'tensorflow' | 'wasm' | 'cpu' */
  active: z.string(),
  /** which of our choices produced it */
  choice: BackendName,
  tried: z.array(BackendAttempt),
  /** the user's override, if any */
  requested: BackendChoice,
  tfjsVersion: z.string(),
  wasmSimd: z.boolean().optional(),
  wasmThreads: z.number().int().optional(),
})
export type BackendInfo = z.infer<typeof BackendInfo>
