// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { WsBridge, type SocketLike } from '../../renderer/src/api/ws-bridge'
import { ApiError } from '../../renderer/src/api/errors'
import { encodeMessage } from '../../shared/wire'

class FakeSocket implements SocketLike {
  readyState = 0
  sent: { id: number; method: string; params: unknown }[] = []
  onopen: ((ev: unknown) => void) | null = null
  onclose: ((ev: { code: number; reason: string }) => void) | null = null
  onerror: ((ev: unknown) => void) | null = null
  onmessage: ((ev: { data: unknown }) => void) | null = null
  constructor(readonly url: string) {}
  send(data: string): void {
    this.sent.push(JSON.parse(data))
  }
  close(): void {
    this.drop('closed')
  }
  open(): void {
    this.readyState = 1
    this.onopen?.({})
  }
  drop(reason = ''): void {
    this.readyState = 3
    this.onclose?.({ code: 1006, reason })
  }
  reply(msg: unknown): void {
    this.onmessage?.({ data: JSON.stringify(msg) })
  }
}

describe('WsBridge', () => {
  let sockets: FakeSocket[]
  let bridge: WsBridge
  const last = () => sockets[sockets.length - 1]!

  beforeEach(() => {
    vi.useFakeTimers()
    sockets = []
    bridge = new WsBridge({ url: 'ws://h/ws?token=t', createSocket: (u) => (sockets.push(new FakeSocket(u)), last()), backoff: [100, 400], connectWaitMs: 5000 })
  })
  afterEach(() => {
    bridge.dispose()
    vi.useRealTimers()
  })

  it('sends {id, method, params} once open and resolves with the matching result', async () => {
    const p = bridge.invoke('runs.list')
    expect(last().sent).toHaveLength(0) // still connecting: the call waits
    last().open()
    await vi.advanceTimersByTimeAsync(0)
    const req = last().sent[0]!
    expect(req).toMatchObject({ method: 'runs.list', params: {} })
    last().reply({ id: req.id + 1000, result: ['wrong'] }) // unrelated id is ignored
    last().reply({ id: req.id, result: [] })
    await expect(p).resolves.toEqual([])
  })

  it('decodes a binary frame (artifact arrays) into typed arrays, and ignores a forged one', async () => {
    const p = bridge.invoke('artifacts.read', { artifactId: 'a' })
    last().open()
    await vi.advanceTimersByTimeAsync(0)
    const req = last().sent[0]!
    last().onmessage?.({ data: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]).buffer })
    const data = new Float32Array([0.5, -2, 3e-8])
    const frame = encodeMessage({ id: req.id, result: { name: 'spectrum', shape: [3], data, meta: {} } }) as Uint8Array
    // the browser hands over an ArrayBuffer (binaryType 'arraybuffer')
    last().onmessage?.({ data: frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.byteLength) })
    const got = await p
    expect(got.data).toBeInstanceOf(Float32Array)
    expect(Array.from(got.data)).toEqual(Array.from(data))
  })

  it('rejects with an ApiError carrying code and hint', async () => {
    last().open()
    const p = bridge.invoke('project.open', { path: '/x.ntkw' })
    await vi.advanceTimersByTimeAsync(0)
    last().reply({ id: last().sent[0]!.id, error: { message: 'not a project', code: 'not_project', hint: 'Pick a .ntkw file' } })
    const e = await p.catch((x: unknown) => x)
    expect(e).toBeInstanceOf(ApiError)
    expect(e).toMatchObject({ message: 'not a project', code: 'not_project', hint: 'Pick a .ntkw file' })
  })

  it('delivers pushes to listeners of that event only, until unsubscribed', () => {
    last().open()
    const jobs: unknown[] = []
    const projects: unknown[] = []
    const off = bridge.on('job', (p) => jobs.push(p))
    bridge.on('project', (p) => projects.push(p))
    last().reply({ event: 'job', payload: { runId: 'a' } })
    off()
    last().reply({ event: 'job', payload: { runId: 'b' } })
    expect(jobs).toEqual([{ runId: 'a' }])
    expect(projects).toEqual([])
  })

  it('rejects calls in flight when the socket drops, then reconnects with backoff', async () => {
    const states: string[] = []
    bridge.onStatus((s) => states.push(s.state))
    last().open()
    const p = bridge.invoke('runs.list')
    await vi.advanceTimersByTimeAsync(0)
    last().drop('server restarted')
    const e = await p.catch((x: unknown) => x)
    expect(e).toMatchObject({ code: 'disconnected' })
    expect((e as Error).message).toContain('runs.list')
    expect(bridge.status.state).toBe('closed')
    expect(bridge.status.reason).toContain('server restarted')
    expect(sockets).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(99)
    expect(sockets).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(sockets).toHaveLength(2)
    last().open()
    expect(bridge.status).toMatchObject({ state: 'open', opens: 2 })
    expect(states).toEqual(['connecting', 'open', 'closed', 'connecting', 'open'])
  })

  it('backs off further after repeated failures and explains a refused connection', async () => {
    last().drop() // never opened: token wrong or server gone
    expect(bridge.status.reason).toMatch(/could not connect/)
    await vi.advanceTimersByTimeAsync(100)
    last().drop()
    await vi.advanceTimersByTimeAsync(399)
    expect(sockets).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(1)
    expect(sockets).toHaveLength(3)
  })

  it('a call made while disconnected fails after the wait with the reason', async () => {
    last().drop()
    const p = bridge.invoke('app.info').catch((x: unknown) => x)
    // every reconnect attempt also fails
    for (let i = 0; i < 20; i++) {
      await vi.advanceTimersByTimeAsync(400)
      if (last().readyState === 0) last().drop()
    }
    const e = await p
    expect(e).toMatchObject({ code: 'disconnected' })
  })
})
