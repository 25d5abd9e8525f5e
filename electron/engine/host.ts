import type { JobEvent } from '../../shared/index'
import { errorInfo } from '../../shared/errors'
import { REMOTE_UNIT_WORDS } from '../../shared/cluster'
import type { FromEngine, RemoteCompute, ToEngine } from './protocol'
import type { RemoteTiles } from './core/remote-tiles'
import { initBackend, packageVersions } from './runtime/backend'
import { executeJob } from './jobs/execute'
import { createDataResolver } from './jobs/data-resolver'
import { openProject, type ProjectHandle } from './store/project-db'
import { ProjectArtifactSink } from './store/artifacts'
import { ProjectModelSink } from './store/models'
import { RunStore } from './store/runs'
import { projectDatasets } from './jobs/project-datasets'

// The engine process: an Electron utilityProcess in the app, a Node child process under `ntkw serve` and in
// tests. It runs one job at a time; the queue lives in the parent. It never imports 'electron': the parent
// port is whatever this process was started with. Its entry (electron/cluster/engine-process.ts) hands it
// what the engine may not import itself: the Redis tile client for runs the parent sends to workers.

/** Tiles on `ntkw worker` processes, and after the job, who computed them (for the run's record). */
export interface RemoteTilesClient extends RemoteTiles {
  /** one line per Redis run this job used: its tiles and the workers that published them */
  summary(): string[]
}

export interface EngineHostDeps {
  remoteTiles?(c: RemoteCompute, log: (line: string) => void): Promise<RemoteTilesClient>
}

interface ParentPort {
  postMessage(m: FromEngine): void
  on(listener: (m: ToEngine) => void): void
}

function parentPort(): ParentPort {
  const electronPort = (process as unknown as { parentPort?: { postMessage(m: unknown): void; on(ev: 'message', l: (e: { data: unknown }) => void): void } }).parentPort
  if (electronPort) {
    return { postMessage: (m) => electronPort.postMessage(m), on: (l) => electronPort.on('message', (e) => l(e.data as ToEngine)) }
  }
  if (process.send) {
    return { postMessage: (m) => process.send!(m), on: (l) => process.on('message', (m) => l(m as ToEngine)) }
  }
  throw new Error('engine host started without a parent channel (use fork or utilityProcess.fork)')
}

let port: ParentPort
let deps: EngineHostDeps = {}
let project: ProjectHandle | null = null
const running = new Map<string, AbortController>()

function projectFor(path: string | null): ProjectHandle | null {
  if (!path) return null
  if (project && project.path === path) return project
  project?.close()
  project = openProject(path)
  return project
}

/** Metrics can come thousands per second: batch events and post them every 25 ms. */
function eventBatcher(runId: string): { push(e: JobEvent): void; flush(): void } {
  let buf: JobEvent[] = []
  let timer: NodeJS.Timeout | null = null
  const flush = (): void => {
    if (timer) clearTimeout(timer)
    timer = null
    if (buf.length === 0) return
    port.postMessage({ type: 'events', runId, events: buf })
    buf = []
  }
  return {
    push(e) {
      buf.push(e)
      if (e.type === 'done' || e.type === 'failed' || e.type === 'cancelled' || e.type === 'started') flush()
      else if (!timer) timer = setTimeout(flush, 25)
    },
    flush,
  }
}

async function runJob(msg: Extract<ToEngine, { type: 'run' }>): Promise<void> {
  const ac = new AbortController()
  running.set(msg.runId, ac)
  const batch = eventBatcher(msg.runId)
  try {
    let proj: ProjectHandle | null
    try {
      proj = projectFor(msg.projectPath)
    } catch (e) {
      batch.push({ type: 'failed', t: Date.now(), error: `engine could not open the project: ${errorInfo(e).message}` })
      return
    }
    const runs = proj ? new RunStore(proj.db) : null
    const sink = proj
      ? new ProjectArtifactSink(proj.db, msg.runId, (artifact) => batch.push({ type: 'artifact', t: Date.now(), artifact }))
      : null
    if (!sink) {
      batch.push({ type: 'failed', t: Date.now(), error: 'no project is open', hint: 'Create or open a project first.' })
      return
    }
    const log = (message: string): void => batch.push({ type: 'log', t: Date.now(), level: 'info', message })
    let remote: RemoteTilesClient | undefined
    if (msg.remote) {
      if (!deps.remoteTiles) {
        batch.push({ type: 'failed', t: Date.now(), error: 'this engine cannot reach Redis workers (started without the cluster client)', hint: 'Set Compute to "this machine" in Settings, or start the app from its normal entry.' })
        return
      }
      try {
        remote = await deps.remoteTiles(msg.remote, log)
      } catch (e) {
        const info = errorInfo(e)
        batch.push({ type: 'failed', t: Date.now(), error: info.message, ...(info.hint ? { hint: info.hint } : {}) })
        return
      }
      log(`${REMOTE_UNIT_WORDS[msg.spec.kind] ?? 'its work'} go to the workers of ${remote.where}`)
    }
    await executeJob(msg.spec, {
      runId: msg.runId,
      signal: ac.signal,
      emit: (e) => {
        // who computed the tiles goes in the run's record before the run ends (later events are not kept)
        if (e.type === 'done' && remote) for (const line of remote.summary()) log(line)
        batch.push(e)
      },
      artifacts: sink,
      data: createDataResolver(proj ? projectDatasets(proj.db) : undefined),
      onDatasetHash: (h) => runs?.setDatasetHash(msg.runId, h),
      models: proj ? new ProjectModelSink(proj.db) : undefined,
      ...(remote ? { remote } : {}),
    })
  } finally {
    batch.flush()
    running.delete(msg.runId)
  }
}

/** Starts serving the parent's messages (called once by the process entry). */
export function startEngineHost(d: EngineHostDeps = {}): void {
  deps = d
  port = parentPort()
  port.on(onMessage)
}

function onMessage(msg: ToEngine): void {
  switch (msg.type) {
    case 'init':
      initBackend(msg.backend).then(
        (backend) => port.postMessage({ type: 'ready', backend, versions: packageVersions() }),
        (e) => port.postMessage({ type: 'init-failed', error: errorInfo(e).message }),
      )
      break
    case 'run':
      void runJob(msg)
      break
    case 'cancel':
      running.get(msg.runId)?.abort()
      break
  }
}

process.on('uncaughtException', (e) => {
  process.stderr.write(`engine: uncaught exception: ${e.stack ?? e.message}\n`)
  process.exit(70)
})
