import type { EventName, EventPayload, MethodName, ParamsOf, ResultOf, WorkbenchApi } from '../../shared/ipc'
import type { RunSummary } from '../../shared/project'
import { ApiError } from '../../renderer/src/api/errors'

type Handler<M extends MethodName> = (params: ParamsOf<M>) => ResultOf<M> | Promise<ResultOf<M>>
export type Handlers = { [M in MethodName]?: Handler<M> }

/** A WorkbenchApi that records calls and lets the test push events: the renderer's contract boundary. */
export function fakeApi(handlers: Handlers = {}) {
  const calls: { method: MethodName; params: unknown }[] = []
  const listeners = new Map<string, Set<(p: unknown) => void>>()
  const api: WorkbenchApi = {
    transport: 'websocket',
    async invoke<M extends MethodName>(method: M, params?: ParamsOf<M>): Promise<ResultOf<M>> {
      calls.push({ method, params })
      const h = handlers[method] as Handler<M> | undefined
      if (!h) throw new ApiError({ message: `unexpected call ${method}`, code: 'test' })
      return h((params ?? {}) as ParamsOf<M>)
    },
    on<E extends EventName>(event: E, l: (p: EventPayload<E>) => void) {
      let s = listeners.get(event)
      if (!s) listeners.set(event, (s = new Set()))
      s.add(l as (p: unknown) => void)
      return () => s.delete(l as (p: unknown) => void)
    },
  }
  function emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    for (const l of listeners.get(event) ?? []) l(payload)
  }
  const callsOf = (m: MethodName) => calls.filter((c) => c.method === m)
  return { api, calls, callsOf, emit, handlers }
}

export function summary(over: Partial<RunSummary> = {}): RunSummary {
  return {
    id: 'run-1',
    kind: 'backend-benchmark',
    name: 'Backend benchmark',
    state: 'running',
    seed: 0,
    backend: 'wasm',
    createdAt: 1_700_000_000_000,
    startedAt: 1_700_000_000_500,
    finishedAt: null,
    progress: 0,
    message: '',
    eta: null,
    error: null,
    datasetHash: null,
    experimentId: null,
    ...over,
  }
}

/** Let pending promise callbacks run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0))
}
