import type { BackendChoice, BackendInfo, JobEvent, JobSpec } from '../../shared/index'

// Messages between the job queue (main process / `ntkw serve`) and the engine process.
export type ToEngine =
  | { type: 'init'; backend: BackendChoice }
  | { type: 'run'; runId: string; spec: JobSpec; projectPath: string | null }
  | { type: 'cancel'; runId: string }

export type FromEngine =
  | { type: 'ready'; backend: BackendInfo; versions: Record<string, string> }
  | { type: 'init-failed'; error: string }
  | { type: 'event'; runId: string; event: JobEvent }
  | { type: 'events'; runId: string; events: JobEvent[] }
