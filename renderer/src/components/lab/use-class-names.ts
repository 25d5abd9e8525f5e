import { shallowRef, watch, type Ref } from 'vue'
import { getApi } from '../../api/index'

/** The class names a dataset stores (from its schema), for charts that label classes; undefined while unknown. */
export function useClassNames(datasetId: Ref<string | undefined>): Ref<string[] | undefined> {
  const names = shallowRef<string[] | undefined>()
  watch(
    datasetId,
    async (id) => {
      names.value = undefined
      if (!id) return
      try {
        const got = await getApi().invoke('datasets.preview', { datasetId: id, limit: 1 })
        if (datasetId.value === id) names.value = got.schema.classNames
      } catch {
        // a deleted dataset: the chart keeps class numbers
      }
    },
    { immediate: true },
  )
  return names
}
