import type { BackendChoice, BackendInfo, JobEvent, JobSpec } from '../../shared/index'

/** the job's kernel tiles go to `ntkw worker` processes through this Redis (the URL carries its password: never logged) */
export interface RemoteCompute {
  url: string
  insecure: boolean
}

// Messages between the job queue (main process / `ntkw serve`) and the engine process.
export type ToEngine =
  | { type: 'init'; backend: BackendChoice }
  | { type: 'run'; runId: string; spec: JobSpec; projectPath: string | null; remote?: RemoteCompute }
  | { type: 'cancel'; runId: string }

export type FromEngine =
  | { type: 'ready'; backend: BackendInfo; versions: Record<string, string> }
  | { type: 'init-failed'; error: string }
  | { type: 'event'; runId: string; event: JobEvent }
  | { type: 'events'; runId: string; events: JobEvent[] }
