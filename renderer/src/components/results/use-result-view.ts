import { computed, type Ref } from 'vue'
import { useDark } from '../../composables/dark'
import { useRunData } from '../lab/use-run-data'

// The data side of a results view (ResultsCard is its frame): the run as the charts need it, the theme,
// and a file-safe name for exported charts.
export function useResultView(runId: Ref<string>, fallbackName: string) {
  const dark = useDark()
  const data = useRunData(runId)
  const safeName = computed(() => (data.detail.value?.summary.name ?? fallbackName).replace(/[^\w.-]+/g, '-'))
  return { ...data, dark, safeName }
}
