import { z } from 'zod'
import { BackendChoice } from './backend'

export const Theme = z.enum(['system', 'light', 'dark'])
export type Theme = z.infer<typeof Theme>

export const Settings = z.object({
  theme: Theme.default('system'),
  backend: BackendChoice.default('auto'),
  autosaveSeconds: z.number().int().min(5).max(3600).default(30),
})
export type Settings = z.infer<typeof Settings>
