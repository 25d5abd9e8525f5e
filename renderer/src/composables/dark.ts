import { computed, type ComputedRef } from 'vue'
import { useApp } from '../stores/app'

/** Whether the app draws dark: chart options take it to pick their palette. */
export function useDark(): ComputedRef<boolean> {
  const app = useApp()
  return computed(() => app.effectiveTheme === 'dark')
}
