import { randomUUID } from 'node:crypto'
import { EventEmitter } from 'node:events'
import type { JobEvent, JobSpec, JobState, RunSummary } from '../../shared/index'
import { UserError } from '../../shared/errors'
import type { EngineClient } from './engine-client'
import type { RunStore } from '../engine/store/runs'
import type { FromEngine, RemoteCompute } from '../engine/protocol'
import type { JobRoute } from './compute'

/** After asking the engine to stop, wait this long before killing it (cancel must finish within 1 s). */
export const CANCEL_GRACE_MS = 600
/** a run on Redis workers removes its queue jobs before it stops: a few round trips per tile, so more time */
export const REMOTE_CANCEL_GRACE_MS = 10_000
/** Events forwarded to clients: at most 20 per second per job (terminal and artifact events always pass). */
const FORWARD_INTERVAL_MS = 50

interface Queued {
  runId: string
  spec: JobSpec
  projectPath: string
  remote?: RemoteCompute
}

interface Active extends Queued {  cancelTimer: NodeJS.Timeout | null
  cancelling: boolean
}

export interface JobQueueEvents {
  job: [payload: { runId: string; event: JobEvent; summary: RunSummary }]
}

/**
 * The job queue: one job at a time on the engine, the others queued. It owns the engine's lifecycle for
 * jobs: cancel = cooperative flag, then kill and restart; a crash fails that job and the next job runs.
 */
export class JobQueue extends EventEmitter<JobQueueEvents> {
  private queue: Queued[] = []
  private active: Active | null = null
  private lastForward = new Map<string, number>()
  /** Redis run id → the run of this queue whose tiles it carries (from the coordinator's 'run ID: N tiles' line) */
  private readonly redisRuns = new Map<string, string>()
  private pendingForward = new Map<string, { event: JobEvent; timer: NodeJS.Timeout }>()

  constructor(
    private readonly engine: EngineClient,
    private readonly store: () => { runs: RunStore; path: string } | null,
    private readonly versions: () => Record<string, string>,
    /** where a run computes (Settings ▸ Compute); absent: this machine */
    private readonly route: (spec: JobSpec) => JobRoute = () => ({ where: 'this machine' }),
  ) {
    super()
    engine.onMessage((m) => this.onEngineMessage(m))
    engine.onExit((code, signal) => this.onEngineExit(code, signal))
  }

  submit(spec: JobSpec, experimentId?: string): string {
    const s = this.store()
    if (!s) throw new UserError('no_project', 'no project is open', 'Create or open a project first (File ▸ New or File ▸ Open).')
    const runId = randomUUID()
    const route = this.route(spec)
    // where it computes is part of the run's record, beside the versions it ran with
    s.runs.create(spec, { ...this.versions(), ...this.engine.versions, compute: route.where }, runId, experimentId)
    this.queue.push({ runId, spec, projectPath: s.path, ...(route.remote ? { remote: route.remote } : {}) })
    this.record(runId, { type: 'queued', t: Date.now() })
    if (route.note) this.record(runId, { type: 'log', t: Date.now(), level: 'info', message: route.note })
    this.pump()
    return runId
  }

  cancel(runId: string): JobState {
    const s = this.store()
    const idx = this.queue.findIndex((q) => q.runId === runId)
    if (idx >= 0) {
      this.queue.splice(idx, 1)
      this.record(runId, { type: 'cancelled', t: Date.now() })
      return 'cancelled'
    }
    const a = this.active
    if (a && a.runId === runId) {
      if (!a.cancelling) {
        a.cancelling = true
        try {
          this.engine.send({ type: 'cancel', runId })
        } catch {
          /* engine already gone: the timer below settles it */
        }
        a.cancelTimer = setTimeout(() => this.forceCancel(runId), a.remote ? REMOTE_CANCEL_GRACE_MS : CANCEL_GRACE_MS)
      }
      return 'running'
    }
    const run = s?.runs.get(runId)
    if (!run) throw new UserError('not_found', `no run ${runId} in this project`)
    return run.state
  }

  /** Cancels everything (project closing). Resolves when the engine is idle. */
  async cancelAll(): Promise<void> {
    for (const q of [...this.queue]) this.cancel(q.runId)
    if (this.active) {
      const id = this.active.runId
      this.cancel(id)
      await new Promise<void>((resolve) => {
        const check = (): void => {
          if (!this.active || this.active.runId !== id) resolve()
          else setTimeout(check, 20)
        }
        check()
      })
    }
  }

  /** the run of this queue a Redis run (its tiles on workers) belongs to */
  runOfRedisRun(redisRunId: string): string | undefined {
    return this.redisRuns.get(redisRunId)
  }

  activeRunId(): string | null {
    return this.active?.runId ?? null
  }

  queuedRunIds(): string[] {
    return this.queue.map((q) => q.runId)
  }

  private forceCancel(runId: string): void {
    if (this.active?.runId !== runId) return
    // The runner did not reach a cancellation point in time: stop the engine; a fresh one starts on demand.
    this.active = null
    this.engine.kill()
    this.record(runId, { type: 'cancelled', t: Date.now() })
    this.record(runId, { type: 'log', t: Date.now(), level: 'warn', message: 'the engine did not stop in time and was restarted' })
    this.pump()
  }

  private pump(): void {
    if (this.active || this.queue.length === 0) return
    const next = this.queue.shift()!
    this.active = { ...next, cancelTimer: null, cancelling: false }
    const active = this.active
    this.engine.restartIfBackendChanged()
    this.engine.start().then(
      () => {
        if (this.active !== active || active.cancelling) return
        this.engine.send({ type: 'run', runId: next.runId, spec: next.spec, projectPath: next.projectPath, ...(next.remote ? { remote: next.remote } : {}) })
      },
      (e: Error) => {
        if (this.active !== active) return
        this.active = null
        this.record(next.runId, { type: 'failed', t: Date.now(), error: `the engine could not start: ${e.message}` })
        this.pump()
      },
    )
  }

  private onEngineMessage(m: FromEngine): void {
    if (m.type === 'event') this.onJobEvents(m.runId, [m.event])
    else if (m.type === 'events') this.onJobEvents(m.runId, m.events)
  }

  private onJobEvents(runId: string, events: JobEvent[]): void {
    if (this.active?.runId !== runId) return // a late event of a run already settled (cancelled by kill)
    const s = this.store()
    s?.runs.applyMany(runId, events)
    if (this.active.remote) {
      for (const e of events) {
        const m = e.type === 'log' ? /^run ([A-Za-z0-9_-]{1,64}): \d+ tiles/.exec(e.message) : null
        if (m) this.redisRuns.set(m[1]!, runId)
      }
    }
    for (const e of events) this.forward(runId, e)
    const last = events[events.length - 1]
    if (last && (last.type === 'done' || last.type === 'failed' || last.type === 'cancelled')) {
      if (this.active.cancelTimer) clearTimeout(this.active.cancelTimer)
      this.active = null
      this.pump()
    }
  }

  private onEngineExit(code: number | null, signal: string | null): void {
    const a = this.active
    if (!a) return
    if (a.cancelTimer) clearTimeout(a.cancelTimer)
    this.active = null
    if (a.cancelling) this.record(a.runId, { type: 'cancelled', t: Date.now() })
    else {
      const how = signal ? `was killed (${signal})` : `exited with code ${code}`
      this.record(a.runId, {
        type: 'failed',
        t: Date.now(),
        error: `the engine process ${how} while running this job`,
        hint: 'The engine has been restarted; run the job again. If it keeps happening, the data may be too large for memory: try a smaller dataset or tile size.',
      })
    }
    this.pump()
  }

  /** Stores an event produced here (not by the engine) and forwards it. */
  private record(runId: string, e: JobEvent): void {
    this.store()?.runs.apply(runId, e)
    this.forward(runId, e)
  }

  private forward(runId: string, e: JobEvent): void {
    // The run's summary is read only for events that go out: metrics arrive by the thousand.
    const emitNow = (ev: JobEvent): void => {
      const summary = this.store()?.runs.get(runId)
      if (summary) this.emit('job', { runId, event: ev, summary })
    }
    // Progress is throttled once, at its source (the engine's job context, at most 20 per second), so it goes
    // straight out, in order with the run's other events. Metrics arrive by the thousand and logs in bursts:
    // the newest of each key goes out at most every FORWARD_INTERVAL_MS.
    if (e.type !== 'metric' && e.type !== 'log') {
      emitNow(e)
      return
    }
    const key = `${runId}:${e.type === 'metric' ? e.name : e.type}`
    const now = Date.now()
    const last = this.lastForward.get(key) ?? 0
    const existing = this.pendingForward.get(key)
    if (existing) clearTimeout(existing.timer)
    if (now - last >= FORWARD_INTERVAL_MS) {
      this.pendingForward.delete(key)
      this.lastForward.set(key, now)
      emitNow(e)
    } else {
      // Latest wins: the newest metric (or log line) of this key goes out when the interval allows.
      const timer = setTimeout(() => {
        this.pendingForward.delete(key)
        this.lastForward.set(key, Date.now())
        emitNow(e)
      }, FORWARD_INTERVAL_MS - (now - last))
      this.pendingForward.set(key, { event: e, timer })
    }
  }
}
