import { defineStore } from 'pinia'
import type { BackendChoice } from '../../../shared/backend'
import { computed, ref, watch } from 'vue'
import type { AppInfo } from '../../../shared/ipc'
import type { Settings, Theme } from '../../../shared/settings'
import { getApi, onConnection, type ConnectionStatus } from '../api/index'
import { attempt } from './toasts'

const THEME_CACHE = 'ntkw.theme'
const THEMES: Theme[] = ['system', 'light', 'dark']

function cachedTheme(): Theme {
  try {
    const t = localStorage.getItem(THEME_CACHE)
    return t === 'light' || t === 'dark' || t === 'system' ? t : 'system'
  } catch {
    return 'system'
  }
}

/** App-wide state: versions/backend (app.info), settings, theme and the connection to main. */
export const useApp = defineStore('app', () => {
  const info = ref<AppInfo | null>(null)
  const settings = ref<Settings | null>(null)
  const connection = ref<ConnectionStatus>({ state: 'connecting', reason: null, retryAt: null, opens: 0 })
  // Until settings arrive, use the last theme this browser saw, so the page does not flash.
  const theme = ref<Theme>(cachedTheme())
  const media = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null
  const systemDark = ref(media?.matches ?? false)
  media?.addEventListener('change', (e) => (systemDark.value = e.matches))

  const effectiveTheme = computed<'light' | 'dark'>(() =>
    theme.value === 'system' ? (systemDark.value ? 'dark' : 'light') : theme.value,
  )

  watch(
    effectiveTheme,
    (t) => {
      if (typeof document === 'undefined') return
      const el = document.documentElement
      el.classList.toggle('dark', t === 'dark')
      el.classList.toggle('light', t === 'light')
      el.style.colorScheme = t
    },
    { immediate: true },
  )

  const backendLabel = computed(() => {
    const b = info.value?.backend
    if (!b) return info.value ? 'no backend' : '…'
    const extra: string[] = []
    if (b.wasmSimd) extra.push('SIMD')
    if (b.wasmThreads && b.wasmThreads > 1) extra.push(`${b.wasmThreads} threads`)
    if (b.gemm?.provider === 'mlas') extra.push('MLAS GEMM')
    return extra.length ? `${b.active} (${extra.join(', ')})` : b.active
  })

  async function loadInfo(): Promise<void> {
    const api = getApi()
    const got = await attempt(() => api.invoke('app.info'), 'Could not read app info')
    if (got) info.value = got
  }

  async function loadSettings(): Promise<void> {
    const got = await attempt(() => getApi().invoke('settings.get'), 'Could not read settings')
    if (got) {
      settings.value = got
      applyTheme(got.theme)
    }
  }

  function applyTheme(t: Theme): void {
    theme.value = t
    try {
      localStorage.setItem(THEME_CACHE, t)
    } catch {
      /* storage may be unavailable (private mode); the theme still applies for this session */
    }
  }

  async function setTheme(t: Theme): Promise<void> {
    const before = theme.value
    applyTheme(t)
    const saved = await attempt(() => getApi().invoke('settings.set', { theme: t }), 'Could not save the theme')
    if (saved) settings.value = saved
    else applyTheme(before)
  }

  /** The user's backend override: takes effect in a fresh engine (right away when no job is running). */
  async function setBackend(b: BackendChoice): Promise<void> {
    const saved = await attempt(() => getApi().invoke('settings.set', { backend: b }), 'Could not change the backend')
    if (saved) {
      settings.value = saved
      await loadInfo()
    }
  }

  /** system → light → dark → system */
  function cycleTheme(): Promise<void> {
    const i = THEMES.indexOf(theme.value)
    return setTheme(THEMES[(i + 1) % THEMES.length]!)
  }

  function watchConnection(onReconnect: () => void): () => void {
    return onConnection(getApi(), (s) => {
      const reconnected = s.state === 'open' && s.opens > 1 && connection.value.state !== 'open'
      connection.value = s
      if (reconnected) onReconnect()
    })
  }

  return { info, settings, connection, theme, systemDark, effectiveTheme, backendLabel, loadInfo, loadSettings, applyTheme, setTheme, setBackend, cycleTheme, watchConnection }
})
