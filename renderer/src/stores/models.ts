import { defineStore } from 'pinia'
import { computed, ref, shallowRef, watch } from 'vue'
import { datasetSplitRefs, type DataRef } from '../../../shared/jobs/data-ref'
import type { ModelDetail, ModelSummary } from '../../../shared/models'
import type { ModelExportFormat } from '../../../shared/ipc'
import { NetArch, type NetArchInput } from '../../../shared/arch'
import type { MetricSeries } from '../../../shared/project'
import { getApi } from '../api/index'
import { useDatasets } from './datasets'
import { useRuns } from './runs'
import { attempt, useToasts } from './toasts'
import { downloadBlob } from '../download'
import { issueText } from '../forms/issue-text'

export interface TrainForm {
  datasetId: string
  /** the network (ARCH.json layers, components/arch/ArchEditor.vue); a Dense readout per class is appended */
  net: NetArchInput
  epochs: number
  batchSize: number
  learningRate: number
  optimizer: 'adam' | 'sgd' | 'momentum'
  name: string
}

/**
 * "CNN conv32-conv32-flatten", "MLP 256-256": a trained model's automatic name (no hidden layer: "readout
 * only"). Not forms/arch-form's describeNet: a trained network is told by its widths, an infinite-width
 * kernel's architecture (which has none) by its kernel sizes and activations.
 */
export function trainedNetName(net: NetArch): string {
  const conv = net.layers.some((l) => l.type === 'conv2d')
  const parts = net.layers.map((l) => (l.type === 'dense' ? String(l.units) : l.type === 'conv2d' ? `conv${l.filters}` : l.type))
  return `${conv ? 'CNN' : 'MLP'} ${parts.join('-') || 'readout only'}`
}

/** curves of a training run, refetched from the project as its per-epoch metrics arrive */
export type Curves = Record<string, MetricSeries>
const CURVES = ['train_loss', 'val_loss', 'train_accuracy', 'val_accuracy']

/**
 * The project's models (list + the selected ones' details), training from the Models page with live curves,
 * export/import. Details are fetched once per model and kept as shallow (read-only) data for the charts.
 */
export const useModels = defineStore('models', () => {
  const list = ref<ModelSummary[]>([])
  const loaded = ref(false)
  /** one model shown, or two side by side */
  const selectedIds = ref<string[]>([])
  const details = shallowRef(new Map<string, ModelDetail>())
  const trainingRunId = ref<string | null>(null)
  const curves = shallowRef<Curves>({})
  const runs = useRuns()

  const training = computed(() => {
    const id = trainingRunId.value
    const r = id ? runs.byId.get(id) : null
    return r ?? null
  })

  /** the project's models, nothing selected or fetched beside (what a model picker needs) */
  async function refreshList(): Promise<ModelSummary[] | undefined> {
    const got = await attempt(() => getApi().invoke('models.list'), 'Could not list models')
    if (got) list.value = got
    return got
  }

  async function load(): Promise<void> {
    const got = await refreshList()
    if (got) {
      selectedIds.value = selectedIds.value.filter((id) => got.some((m) => m.id === id))
      if (selectedIds.value.length === 0 && got[0]) await select(got[0].id)
    }
    loaded.value = true
  }

  function reset(): void {
    list.value = []
    loaded.value = false
    selectedIds.value = []
    details.value = new Map()
    trainingRunId.value = null
    curves.value = {}
  }

  async function fetchDetail(id: string, force = false): Promise<void> {
    if (!force && details.value.has(id)) return
    const d = await attempt(() => getApi().invoke('models.get', { modelId: id }), 'Could not read the model')
    if (!d) return
    const next = new Map(details.value)
    next.set(id, Object.freeze(d))
    details.value = next
  }

  /** Shows one model; with `compare`, adds it beside the current one (at most two). */
  async function select(id: string, compare = false): Promise<void> {
    if (compare) {
      const cur = selectedIds.value.filter((x) => x !== id)
      selectedIds.value = [...cur.slice(-1), id]
    } else selectedIds.value = [id]
    await fetchDetail(id)
  }

  function unselect(id: string): void {
    selectedIds.value = selectedIds.value.filter((x) => x !== id)
  }

  async function train(f: TrainForm): Promise<string | undefined> {
    const parsed = NetArch.safeParse(f.net)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!
      useToasts().push('error', `Architecture: ${issue.path.length ? `${issue.path.join('.')}: ` : ''}${issueText(issue)}`)
      return undefined
    }
    const runId = await runs.submit({
      kind: 'train',
      name: f.name || `${trainedNetName(parsed.data)} · ${useDatasets().list.find((d) => d.id === f.datasetId)?.name ?? 'data'}`,
      ...(f.name ? { modelName: f.name } : {}),
      ...datasetSplitRefs(f.datasetId),
      network: f.net,
      epochs: f.epochs,
      batchSize: f.batchSize,
      learningRate: f.learningRate,
      optimizer: f.optimizer,
    })
    if (runId) {
      trainingRunId.value = runId
      curves.value = {}
    }
    return runId
  }

  let fetching = false
  async function refreshCurves(): Promise<void> {
    const id = trainingRunId.value
    if (!id || fetching) return
    fetching = true
    try {
      const got = await Promise.all(CURVES.map((name) => attempt(() => getApi().invoke('runs.metric', { runId: id, name, maxPoints: 2000 }))))
      if (id !== trainingRunId.value) return
      const next: Curves = {}
      got.forEach((s, i) => {
        if (s && s.steps.length) next[CURVES[i]!] = s
      })
      curves.value = next
    } finally {
      fetching = false
    }
  }

  // live curves: every per-epoch metric of the training run refetches the stored series (pushes coalesce)
  watch(
    () => (trainingRunId.value ? runs.metricTicks[trainingRunId.value] : undefined),
    () => void refreshCurves(),
  )
  watch(
    () => (trainingRunId.value ? runs.finishTicks[trainingRunId.value] : undefined),
    async (t) => {
      if (t === undefined) return
      await refreshCurves()
      const r = training.value
      await load()
      if (r?.state === 'succeeded') {
        const made = list.value.find((m) => m.source.runId === r.id)
        if (made) {
          useToasts().push('success', `Trained ${made.name}`)
          await select(made.id)
        }
      }
    },
  )

  async function remove(id: string): Promise<void> {
    const ok = await attempt(() => getApi().invoke('models.delete', { modelId: id }), 'Could not delete the model')
    if (ok === undefined) return
    const next = new Map(details.value)
    next.delete(id)
    details.value = next
    selectedIds.value = selectedIds.value.filter((x) => x !== id)
    await load()
  }

  /**
   * Desktop: a folder picker, then the files are written there. Browser: a download of model.json + weights.bin
   * (tfjs) or model.onnx (onnx).
   */
  async function exportModel(id: string, nativeDialogs: boolean, format: ModelExportFormat = 'tfjs'): Promise<string | null> {
    if (nativeDialogs) {
      const dir = await attempt(() => getApi().invoke('dialog.openFolder', { title: 'Export model to folder' }), 'Could not open the folder dialog')
      if (!dir) return null
      const r = await attempt(() => getApi().invoke('models.export', { modelId: id, dir, format }), 'Could not export the model')
      if (r) useToasts().push('success', `Exported to ${r.path}`)
      return r?.path ?? null
    }
    const f = await attempt(() => getApi().invoke('models.files', { modelId: id, format }), 'Could not export the model')
    if (!f) return null
    if (format === 'onnx') {
      downloadBlob(new Blob([f.weights as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }), f.weightsFile)
      return f.weightsFile
    }
    downloadBlob(new Blob([f.modelJson], { type: 'application/json' }), 'model.json')
    downloadBlob(new Blob([f.weights as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }), f.weightsFile)
    return 'model.json'
  }

  async function importPath(path: string, name?: string): Promise<string | undefined> {
    const got = await attempt(() => getApi().invoke('models.import', { path, ...(name ? { name } : {}) }), 'Could not import the model')
    if (!got) return undefined
    trackImport(got.runId)
    return got.runId
  }

  /** Refreshes the list when an import run ends and shows the model it made. */
  function trackImport(runId: string): void {
    const stop = watch(
      () => runs.finishTicks[runId],
      async (t) => {
        if (t === undefined) return
        stop()
        const r = runs.byId.get(runId)
        await load()
        if (r?.state === 'succeeded') {
          // the newest import (the list is newest first)
          const made = list.value.find((m) => m.source.kind === 'import')
          useToasts().push('success', `Imported ${made?.name ?? 'the model'}`)
          if (made) await select(made.id)
        }
      },
    )
  }

  async function evaluate(id: string, datasetId: string): Promise<void> {
    const ref = (field: 'x' | 'y'): DataRef => ({ type: 'dataset', datasetId, split: 'test', field })
    const got = await attempt(() => getApi().invoke('models.evaluate', { modelId: id, x: ref('x'), y: ref('y') }), 'Could not start the evaluation')
    if (!got) return
    const stop = watch(
      () => runs.finishTicks[got.runId],
      async (t) => {
        if (t === undefined) return
        stop()
        await fetchDetail(id, true)
        await load()
      },
    )
  }

  return { list, loaded, selectedIds, details, trainingRunId, training, curves, load, refreshList, reset, select, unselect, fetchDetail, train, remove, exportModel, importPath, trackImport, evaluate }
})
