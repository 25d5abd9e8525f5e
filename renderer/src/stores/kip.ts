import { defineStore } from 'pinia'
import { ref } from 'vue'

/** The KIP run on screen, kept while the user visits other pages (the form is kept per project: stores/forms.ts). */
export const useKipStore = defineStore('kip', () => {
  const runId = ref<string | null>(null)
  return { runId }
})
