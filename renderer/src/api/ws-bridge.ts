import type { EventName, EventPayload, MethodName, ParamsOf, ResultOf, RpcError, WorkbenchApi } from '../../../shared/ipc'
import { decodeMessage, encodeMessage } from '../../../shared/wire'
import { ApiError } from './errors'

export type ConnectionState = 'connecting' | 'open' | 'closed'

export interface ConnectionStatus {
  state: ConnectionState
  /** why the last connection ended or failed (null while open) */
  reason: string | null
  /** when the next attempt happens (ms since epoch), while closed */
  retryAt: number | null
  /** how many times the socket has opened; > 1 means we reconnected and may have missed pushes */
  opens: number
}

interface Pending {
  method: string
  resolve: (v: unknown) => void
  reject: (e: Error) => void
}

/** The part of the browser WebSocket the bridge uses (tests pass a fake). */
export interface SocketLike {
  readonly readyState: number
  /** 'arraybuffer' so binary frames (artifact arrays) arrive as bytes, not Blobs */
  binaryType?: string
  send(data: string | Uint8Array): void
  close(): void
  onopen: ((ev: unknown) => void) | null
  onclose: ((ev: { code: number; reason: string }) => void) | null
  onerror: ((ev: unknown) => void) | null
  onmessage: ((ev: { data: unknown }) => void) | null
}

export interface WsBridgeOptions {
  url: string
  createSocket?: (url: string) => SocketLike
  /** backoff schedule in ms; the last value repeats */
  backoff?: number[]
  /** how long a call made while (re)connecting waits for the socket */
  connectWaitMs?: number
}

const OPEN = 1

/**
 * WorkbenchApi over the WebSocket of `ntkw serve`. Requests {id, method, params}; answers {id, result} or
 * {id, error}; pushes {event, payload}. Reconnects with backoff; calls in flight when the socket drops are
 * rejected (the server may or may not have finished them), calls made while reconnecting wait briefly.
 */
export class WsBridge implements WorkbenchApi {
  readonly transport = 'websocket' as const
  private socket: SocketLike | null = null
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private readonly listeners = new Map<string, Set<(p: never) => void>>()
  private readonly statusListeners = new Set<(s: ConnectionStatus) => void>()
  private waiting: { resolve: () => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> }[] = []
  private attempt = 0
  private retryTimer: ReturnType<typeof setTimeout> | null = null
  private disposed = false
  private readonly backoff: number[]
  private readonly connectWaitMs: number
  private readonly createSocket: (url: string) => SocketLike
  status: ConnectionStatus = { state: 'connecting', reason: null, retryAt: null, opens: 0 }

  constructor(private readonly opts: WsBridgeOptions) {
    this.backoff = opts.backoff ?? [250, 500, 1000, 2000, 4000, 8000]
    this.connectWaitMs = opts.connectWaitMs ?? 8000
    this.createSocket =
      opts.createSocket ??
      ((url) => {
        const ws = new WebSocket(url)
        ws.binaryType = 'arraybuffer'
        return ws as unknown as SocketLike
      })
    this.connect()
  }

  onStatus(l: (s: ConnectionStatus) => void): () => void {
    this.statusListeners.add(l)
    l(this.status)
    return () => this.statusListeners.delete(l)
  }

  private setStatus(s: Partial<ConnectionStatus>): void {
    this.status = { ...this.status, ...s }
    for (const l of this.statusListeners) l(this.status)
  }

  private connect(): void {
    if (this.disposed) return
    this.retryTimer = null
    this.setStatus({ state: 'connecting', retryAt: null })
    let socket: SocketLike
    try {
      socket = this.createSocket(this.opts.url)
    } catch (e) {
      this.scheduleRetry(e instanceof Error ? e.message : String(e))
      return
    }
    this.socket = socket
    let opened = false
    socket.onopen = () => {
      opened = true
      this.attempt = 0
      this.setStatus({ state: 'open', reason: null, opens: this.status.opens + 1 })
      for (const w of this.waiting.splice(0)) {
        clearTimeout(w.timer)
        w.resolve()
      }
    }
    socket.onmessage = (ev) => this.onMessage(ev.data)
    socket.onerror = () => {
      /* onclose follows and carries the outcome */
    }
    socket.onclose = (ev) => {
      if (this.socket !== socket) return
      this.socket = null
      const reason = opened
        ? `the connection to the server was lost${ev.reason ? ` (${ev.reason})` : ''}`
        : this.status.opens > 0
          ? 'the server does not answer: is `ntkw serve` still running?'
          : 'could not connect to the server: is `ntkw serve` running, and was this page opened from the URL it printed (with its token)?'
      this.failPending(reason)
      this.scheduleRetry(reason)
    }
  }

  private scheduleRetry(reason: string): void {
    if (this.disposed) return
    const delay = this.backoff[Math.min(this.attempt, this.backoff.length - 1)]!
    this.attempt++
    this.setStatus({ state: 'closed', reason, retryAt: Date.now() + delay })
    this.retryTimer = setTimeout(() => this.connect(), delay)
  }

  /** Try to connect now instead of waiting for the backoff timer. */
  reconnectNow(): void {
    if (this.status.state !== 'closed') return
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.connect()
  }

  private failPending(reason: string): void {
    for (const [id, p] of this.pending) {
      this.pending.delete(id)
      p.reject(
        new ApiError({
          message: `${p.method} did not complete: ${reason}`,
          code: 'disconnected',
          hint: 'The app reconnects by itself; check the state (it may have been applied) and try again.',
        }),
      )
    }
  }

  private onMessage(data: unknown): void {
    let msg: { id?: unknown; result?: unknown; error?: RpcError; event?: unknown; payload?: unknown }
    try {
      msg = decodeMessage(typeof data === 'string' || data instanceof ArrayBuffer || data instanceof Uint8Array ? data : String(data)) as typeof msg
    } catch {
      return
    }
    if (typeof msg.event === 'string') {
      for (const l of this.listeners.get(msg.event) ?? []) {
        try {
          ;(l as (p: unknown) => void)(msg.payload)
        } catch (e) {
          console.error(`listener for '${msg.event}' failed`, e)
        }
      }
      return
    }
    if (typeof msg.id !== 'number') return
    const p = this.pending.get(msg.id)
    if (!p) return
    this.pending.delete(msg.id)
    if (msg.error) p.reject(new ApiError(msg.error))
    else p.resolve(msg.result)
  }

  private waitOpen(): Promise<void> {
    if (this.socket && this.socket.readyState === OPEN && this.status.state === 'open') return Promise.resolve()
    return new Promise((resolve, reject) => {
      const entry = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiting = this.waiting.filter((w) => w !== entry)
          reject(
            new ApiError({
              message: 'not connected to the NTK Workbench server',
              code: 'disconnected',
              hint: this.status.reason ?? 'Check that `ntkw serve` is running, then reload the page.',
            }),
          )
        }, this.connectWaitMs),
      }
      this.waiting.push(entry)
    })
  }

  async invoke<M extends MethodName>(method: M, params?: ParamsOf<M>): Promise<ResultOf<M>> {
    await this.waitOpen()
    const socket = this.socket
    if (!socket) throw new ApiError({ message: 'not connected to the NTK Workbench server', code: 'disconnected' })
    const id = this.nextId++
    return new Promise<ResultOf<M>>((resolve, reject) => {
      this.pending.set(id, { method, resolve: resolve as (v: unknown) => void, reject })
      // params holding bytes (upload chunks) travel as one binary frame, never as JSON digits
      socket.send(encodeMessage({ id, method, params: params ?? {} }))
    })
  }

  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    let set = this.listeners.get(event)
    if (!set) this.listeners.set(event, (set = new Set()))
    set.add(listener as (p: never) => void)
    return () => set.delete(listener as (p: never) => void)
  }

  dispose(): void {
    this.disposed = true
    if (this.retryTimer) clearTimeout(this.retryTimer)
    const s = this.socket
    this.socket = null
    this.failPending('the page is closing')
    s?.close()
  }
}
