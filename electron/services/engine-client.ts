import { fork, type ChildProcess } from 'node:child_process'
import os from 'node:os'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import path from 'node:path'
import type { BackendChoice, BackendInfo } from '../../shared/index'
import type { FromEngine, ToEngine } from '../engine/protocol'
import { engineProcessEnv } from './engine-env'

/** A started engine process, whatever launched it (Node fork here, Electron utilityProcess in main). */
export interface EngineChild {
  send(m: ToEngine): void
  onMessage(l: (m: FromEngine) => void): void
  /** code is null when killed by a signal */
  onExit(l: (code: number | null, signal: string | null) => void): void
  kill(): void
  readonly pid: number | undefined
}
export type EngineLauncher = () => EngineChild

/** Finds the bundled engine host beside the running bundle, else in <repo>/out/node. */
export function engineHostScript(): string {
  const here = path.dirname(fileURLToPath(import.meta.url))
  const candidates = [path.join(here, 'engine-host.js'), path.resolve(here, '../../out/node/engine-host.js'), path.resolve(here, '../out/node/engine-host.js')]
  const found = candidates.find((c) => existsSync(c))
  if (!found) throw new Error(`engine-host.js not found (looked in ${candidates.join(', ')}); run \`npm run build:node\``)
  return found
}

/** Compute yields to the interface on a busy machine: the engine runs one notch of niceness below normal. */
export function lowerPriority(pid: number | undefined): void {
  if (pid === undefined) return
  try {
    os.setPriority(pid, Math.min(19, os.getPriority(pid) + 5))
  } catch {
    /* not permitted on this system: run at normal priority */
  }
}

export const forkLauncher: EngineLauncher = () => {
  const child: ChildProcess = fork(engineHostScript(), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced', env: engineProcessEnv() })
  lowerPriority(child.pid)
  return {
    send: (m) => {
      if (child.connected) child.send(m)
    },
    onMessage: (l) => child.on('message', (m) => l(m as FromEngine)),
    onExit: (l) => child.on('exit', (code, signal) => l(code, signal)),
    kill: () => {
      child.kill('SIGKILL')
    },
    get pid() {
      return child.pid
    },
  }
}

/** Owns one engine process: starts it on demand, reports its backend, restarts it after a crash or kill. */
export class EngineClient {
  private child: EngineChild | null = null
  private ready: Promise<BackendInfo> | null = null
  private messageListeners: ((m: FromEngine) => void)[] = []
  private exitListeners: ((code: number | null, signal: string | null) => void)[] = []
  backend: BackendInfo | null = null
  versions: Record<string, string> = {}

  constructor(
    private readonly launch: EngineLauncher,
    private backendChoice: BackendChoice = 'auto',
  ) {}

  onMessage(l: (m: FromEngine) => void): void {
    this.messageListeners.push(l)
  }
  onExit(l: (code: number | null, signal: string | null) => void): void {
    this.exitListeners.push(l)
  }

  get pid(): number | undefined {
    return this.child?.pid
  }

  /** The backend choice the running engine was started with (null: none running). */
  private startedWith: BackendChoice | null = null

  /**
   * Called between jobs: an engine started before the user chose another backend is replaced, so the
   * next run uses (and records) the choice even when a job was running at the moment it was made.
   */
  restartIfBackendChanged(): void {
    if (this.child && this.startedWith !== null && this.startedWith !== this.backendChoice) this.kill()
  }

  start(): Promise<BackendInfo> {
    if (this.ready) return this.ready
    const child = this.launch()
    this.startedWith = this.backendChoice
    this.child = child
    this.ready = new Promise<BackendInfo>((resolve, reject) => {
      child.onMessage((m) => {
        if (m.type === 'ready') {
          this.backend = m.backend
          this.versions = m.versions
          resolve(m.backend)
        } else if (m.type === 'init-failed') reject(new Error(m.error))
        // A child we killed on purpose may still flush messages: only the current one speaks.
        if (this.child === child) for (const l of this.messageListeners) l(m)
      })
      child.onExit((code, signal) => {
        reject(new Error(`engine exited during start-up (code ${code}, signal ${signal})`))
        // Exits of children killed on purpose (kill()) are not news; only an unexpected exit is reported.
        if (this.child !== child) return
        this.child = null
        this.ready = null
        for (const l of this.exitListeners) l(code, signal)
      })
    })
    child.send({ type: 'init', backend: this.backendChoice })
    return this.ready
  }

  send(m: ToEngine): void {
    if (!this.child) throw new Error('engine not started')
    this.child.send(m)
  }

  /** Kills the engine; the next `start()` launches a fresh one. */
  kill(): void {
    const c = this.child
    this.child = null
    this.ready = null
    c?.kill()
  }

  setBackend(choice: BackendChoice): void {
    if (choice === this.backendChoice) return
    this.backendChoice = choice
  }

  get backendChoiceValue(): BackendChoice {
    return this.backendChoice
  }
}
