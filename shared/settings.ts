import { z } from 'zod'
import { BackendChoice } from './backend'
import { redisUrlProblem } from './cluster'

export const Theme = z.enum(['system', 'light', 'dark'])
export type Theme = z.infer<typeof Theme>

/**
 * Where jobs compute (issue 20): this machine, or `ntkw worker` processes through a Redis (the URL with its
 * password, checked by the same rule as the workers': a Redis on another machine needs a password unless
 * `insecure` says the network is trusted). Shown back with the password masked (MASKED_PASSWORD); a URL sent
 * back with the mask keeps the saved password.
 */
export const Compute = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('local') }).strict(),
  z
    .object({ mode: z.literal('redis'), url: z.string().trim().min(1).max(2048), insecure: z.boolean().default(false) })
    .strict()
    .superRefine((c, ctx) => {
      const p = redisUrlProblem(c.url, c.insecure)
      if (p) ctx.addIssue({ code: 'custom', path: ['url'], message: `${p.message}. ${p.hint}` })
    }),
])
export type Compute = z.infer<typeof Compute>

export const Settings = z.object({
  theme: Theme.default('system'),
  backend: BackendChoice.default('auto'),
  autosaveSeconds: z.number().int().min(5).max(3600).default(30),
  compute: Compute.default({ mode: 'local' }),
})
export type Settings = z.infer<typeof Settings>
