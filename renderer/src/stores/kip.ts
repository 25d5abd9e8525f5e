import { defineStore } from 'pinia'
import { reactive, ref } from 'vue'
import { defaultKipForm } from '../forms/kip-form'

/** The KIP form and the run on screen, kept while the user visits other pages. */
export const useKipStore = defineStore('kip', () => {
  const form = reactive(defaultKipForm())
  const trainCap = ref<number | null>(null)
  const testCap = ref<number | null>(1000)
  const runId = ref<string | null>(null)
  return { form, trainCap, testCap, runId }
})
