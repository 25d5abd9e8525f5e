import { defineStore } from 'pinia'
import { ref } from 'vue'
import { toApiError } from '../api/index'

export type ToastKind = 'error' | 'info' | 'success'

export interface Toast {
  id: number
  kind: ToastKind
  message: string
  hint?: string
}

const LIFETIME: Record<ToastKind, number> = { info: 4000, success: 4000, error: 12000 }

export const useToasts = defineStore('toasts', () => {
  const toasts = ref<Toast[]>([])
  let next = 1

  function push(kind: ToastKind, message: string, hint?: string): number {
    const id = next++
    toasts.value.push(hint ? { id, kind, message, hint } : { id, kind, message })
    if (toasts.value.length > 5) toasts.value.shift()
    setTimeout(() => dismiss(id), LIFETIME[kind])
    return id
  }

  function dismiss(id: number): void {
    toasts.value = toasts.value.filter((t) => t.id !== id)
  }

  /** Shows a failed call as the user should read it: message plus the server's hint. */
  function error(e: unknown, context?: string): void {
    const err = toApiError(e)
    push('error', context ? `${context}: ${err.message}` : err.message, err.hint)
  }

  return { toasts, push, dismiss, error }
})

/** Runs `fn`; on failure shows a toast and resolves to undefined. */
export async function attempt<T>(fn: () => Promise<T>, context?: string): Promise<T | undefined> {
  try {
    return await fn()
  } catch (e) {
    useToasts().error(e, context)
    return undefined
  }
}
