import type { RpcError } from '../../../shared/ipc'

/** A failed call as the user should see it: what went wrong, and (when known) how to fix it. */
export class ApiError extends Error {
  readonly code: string
  readonly hint: string | undefined
  constructor(info: RpcError) {
    super(info.message)
    this.name = 'ApiError'
    this.code = info.code
    this.hint = info.hint
  }
}

/** Whatever a transport threw (ApiError, an Error carrying code/hint, a plain {message, code}) as an ApiError. */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e
  if (e && typeof e === 'object') {
    const o = e as { message?: unknown; code?: unknown; hint?: unknown }
    const message = typeof o.message === 'string' ? stripIpcPrefix(o.message) : String(e)
    const code = typeof o.code === 'string' ? o.code : 'internal'
    const hint = typeof o.hint === 'string' ? o.hint : undefined
    return new ApiError(hint ? { message, code, hint } : { message, code })
  }
  return new ApiError({ message: String(e), code: 'internal' })
}

// Electron prefixes errors rethrown from ipcMain.handle with "Error invoking remote method 'x': Error: ".
function stripIpcPrefix(message: string): string {
  return message.replace(/^Error invoking remote method '[^']*': (?:\w*Error: )?/, '')
}
