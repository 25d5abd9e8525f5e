import { computed, onMounted, ref, watch, type Ref } from 'vue'
import type { JobSpecInput } from '../../../../shared/jobs/spec'
import { defaultDataset } from '../../forms/lab-form'
import { useDatasets } from '../../stores/datasets'
import { useProject } from '../../stores/project'
import { useRuns } from '../../stores/runs'

// What every "form + its runs + the shown run" tab shares (Distill's KD and self-distillation tabs): the
// project's datasets loaded and the form's dataset kept valid, the tab's runs, which one is shown, and
// submitting a built spec (the new run is shown and scrolled into view).
export function useRunTab(kinds: readonly string[], form: Ref<{ datasetId: string }>) {
  const datasets = useDatasets()
  const project = useProject()
  const runs = useRuns()
  const errors = ref<Record<string, string>>({})
  const busy = ref(false)
  const shownRunId = ref<string | null>(null)
  const revealId = ref<string | null>(null)
  const datasetName = computed(() => datasets.list.find((d) => d.id === form.value.datasetId)?.name)
  /** shape of one row of the chosen dataset (a layered network is checked against it) */
  const dataShape = computed(() => datasets.list.find((d) => d.id === form.value.datasetId)?.xShape.slice(1))
  const tabRuns = computed(() => runs.list.filter((r) => kinds.includes(r.kind)))

  onMounted(() => {
    if (project.current && !datasets.loaded) void datasets.load()
  })
  watch(
    () => datasets.list,
    (list) => {
      // an empty list is a project still loading, not a reason to drop the choice
      if (list.length && !list.some((d) => d.id === form.value.datasetId)) form.value.datasetId = defaultDataset(list)
    },
    { immediate: true },
  )
  watch(
    () => tabRuns.value[0]?.id,
    (id) => {
      if (id && !shownRunId.value) shownRunId.value = id
    },
    { immediate: true },
  )

  /** submits what a form's spec builder returned; its errors stay on the form */
  async function submit(built: { spec: JobSpecInput | null; errors: Record<string, string> }): Promise<void> {
    errors.value = built.errors
    if (!built.spec) return
    busy.value = true
    try {
      const id = await runs.submit(built.spec)
      if (id) {
        shownRunId.value = id
        revealId.value = id
      }
    } finally {
      busy.value = false
    }
  }

  return { datasets, runs, errors, busy, shownRunId, revealId, datasetName, dataShape, tabRuns, submit }
}
