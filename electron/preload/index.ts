import { contextBridge, ipcRenderer, webUtils } from 'electron'
import type { EventName, EventPayload, MethodName, ParamsOf, ResultOf, WorkbenchApi } from '../../shared/ipc'

// The renderer's only door to the app: one typed object. Raw ipcRenderer is never exposed; main validates
// every call's params and its sender.
type Envelope = { ok: true; result: unknown } | { ok: false; error: { message: string; code: string; hint?: string } }

const api: WorkbenchApi = {
  transport: 'ipc',
  async invoke<M extends MethodName>(method: M, params?: ParamsOf<M>): Promise<ResultOf<M>> {
    const r = (await ipcRenderer.invoke('ntkw:invoke', method, params ?? {})) as Envelope
    if (r.ok) return r.result as ResultOf<M>
    // contextBridge drops custom properties of Error objects: reject with a plain object so code and hint survive.
    throw { message: r.error.message, code: r.error.code, hint: r.error.hint }
  },
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    const wrapped = (_e: Electron.IpcRendererEvent, name: string, payload: unknown): void => {
      if (name === event) listener(payload as EventPayload<E>)
    }
    ipcRenderer.on('ntkw:push', wrapped)
    return () => ipcRenderer.off('ntkw:push', wrapped)
  },
  pathForFile(file: File): string {
    return webUtils.getPathForFile(file)
  },
}

contextBridge.exposeInMainWorld('ntkw', api)
