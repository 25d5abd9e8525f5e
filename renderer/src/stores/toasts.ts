import { defineStore } from 'pinia'
import { ref } from 'vue'
import { toApiError } from '../api/index'
import { guiWords } from '../api/gui-words'

export type ToastKind = 'error' | 'info' | 'success'

export interface Toast {
  id: number
  kind: ToastKind
  message: string
  hint?: string
  /** when it was raised (ms since epoch), for the notification history */
  t: number
}

/** How long a toast stays on screen; every one stays in the history (newest first, at most HISTORY_MAX). */
export const LIFETIME: Record<ToastKind, number> = { info: 3500, success: 3500, error: 6000 }
/** Toasts on screen at once: the oldest goes first, so a burst of errors never covers the page. */
export const MAX_VISIBLE = 3
export const HISTORY_MAX = 200

export const useToasts = defineStore('toasts', () => {
  const toasts = ref<Toast[]>([])
  const history = ref<Toast[]>([])
  /** notifications raised since the history was last opened */
  const unread = ref(0)
  const timers = new Map<number, ReturnType<typeof setTimeout>>()
  let next = 1

  function arm(id: number, ms: number): void {
    clearTimeout(timers.get(id))
    timers.set(id, setTimeout(() => dismiss(id), ms))
  }

  function push(kind: ToastKind, rawMessage: string, rawHint?: string): number {
    const message = guiWords(rawMessage)
    const hint = guiWords(rawHint)
    const id = next++
    const toast: Toast = hint ? { id, kind, message, hint, t: Date.now() } : { id, kind, message, t: Date.now() }
    toasts.value.push(toast)
    while (toasts.value.length > MAX_VISIBLE) dismiss(toasts.value[0]!.id)
    history.value = [toast, ...history.value].slice(0, HISTORY_MAX)
    unread.value++
    arm(id, LIFETIME[kind])
    return id
  }

  function dismiss(id: number): void {
    clearTimeout(timers.get(id))
    timers.delete(id)
    toasts.value = toasts.value.filter((t) => t.id !== id)
  }

  /** Hovering a toast keeps it while it is being read; leaving restarts a short timer. */
  function hold(id: number): void {
    clearTimeout(timers.get(id))
  }
  function release(id: number): void {
    if (toasts.value.some((t) => t.id === id)) arm(id, 2500)
  }

  function markRead(): void {
    unread.value = 0
  }
  function clearHistory(): void {
    history.value = []
    unread.value = 0
  }

  /** Shows a failed call as the user should read it: message plus the server's hint. */
  function error(e: unknown, context?: string): void {
    const err = toApiError(e)
    push('error', context ? `${context}: ${err.message}` : err.message, err.hint)
  }

  return { toasts, history, unread, push, dismiss, hold, release, markRead, clearHistory, error }
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
