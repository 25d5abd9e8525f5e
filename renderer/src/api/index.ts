import type { WorkbenchApi } from '../../../shared/ipc'
import { takeToken } from './token'
import { WsBridge, type ConnectionStatus } from './ws-bridge'

export { ApiError, toApiError } from './errors'
export type { ConnectionStatus } from './ws-bridge'

declare global {
  interface Window {
    /** the preload bridge of the desktop app */
    ntkw?: WorkbenchApi
  }
}

let api: WorkbenchApi | null = null

/** The preload bridge in the desktop app, else the WebSocket of `ntkw serve` that served this page. */
export function getApi(): WorkbenchApi {
  if (api) return api
  if (typeof window !== 'undefined' && window.ntkw) {
    api = window.ntkw
    return api
  }
  const token = takeToken()
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:'
  api = new WsBridge({ url: `${proto}//${location.host}/ws${token ? `?token=${encodeURIComponent(token)}` : ''}` })
  return api
}

/** Replace the API (unit tests pass a fake WorkbenchApi). */
export function setApi(next: WorkbenchApi | null): void {
  api = next
}

/** Connection state changes; the preload bridge is always connected. */
export function onConnection(api: WorkbenchApi, l: (s: ConnectionStatus) => void): () => void {
  if (api instanceof WsBridge) return api.onStatus(l)
  l({ state: 'open', reason: null, retryAt: null, opens: 1 })
  return () => undefined
}

export function reconnectNow(api: WorkbenchApi): void {
  if (api instanceof WsBridge) api.reconnectNow()
}
