import { z } from 'zod'

// The job event stream, identical over every transport (engine → main → renderer / CLI / WebSocket).
export const JobState = z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled'])
export type JobState = z.infer<typeof JobState>

export const ArtifactInfo = z.object({
  id: z.string(),
  name: z.string(),
  /** e.g. 'kernel', 'npy', 'model', 'json' */
  type: z.string(),
  /** shape of the stored array, when it is one */
  shape: z.array(z.number().int()).optional(),
  bytes: z.number().int().min(0).optional(),
  /** a file written outside the project (CLI --out) */
  path: z.string().optional(),
})
export type ArtifactInfo = z.infer<typeof ArtifactInfo>

export const JobEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('queued'), t: z.number() }),
  z.object({ type: z.literal('started'), t: z.number(), backend: z.string() }),
  z.object({
    type: z.literal('progress'),
    t: z.number(),
    fraction: z.number().min(0).max(1),
    message: z.string().default(''),
    /** seconds remaining, when it can be estimated */
    eta: z.number().min(0).nullable().default(null),
  }),
  z.object({ type: z.literal('metric'), t: z.number(), name: z.string(), step: z.number(), value: z.number() }),
  z.object({ type: z.literal('artifact'), t: z.number(), artifact: ArtifactInfo }),
  z.object({ type: z.literal('log'), t: z.number(), level: z.enum(['debug', 'info', 'warn', 'error']), message: z.string() }),
  z.object({ type: z.literal('done'), t: z.number(), result: z.unknown() }),
  z.object({ type: z.literal('failed'), t: z.number(), error: z.string(), hint: z.string().optional() }),
  z.object({ type: z.literal('cancelled'), t: z.number() }),
])
export type JobEvent = z.infer<typeof JobEvent>
export type JobEventOf<T extends JobEvent['type']> = Extract<JobEvent, { type: T }>

export const TERMINAL_EVENTS = ['done', 'failed', 'cancelled'] as const
export function isTerminal(e: JobEvent): boolean {
  return (TERMINAL_EVENTS as readonly string[]).includes(e.type)
}
