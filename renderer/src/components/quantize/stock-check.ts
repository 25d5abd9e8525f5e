import { getApi } from '../../api/index'

// Loads a stock TF.js export (the run's 'tfjs-export' artifact: topology, manifest entries with
// quantization {dtype, scale, min}, weight bytes) with stock @tensorflow/tfjs in this page, the way a web app
// would, and reports what it decoded.

export interface StockCheck {
  layers: number
  params: number
  quantizedWeights: number
  /** first kernel as stock TF.js decoded it: min and max */
  firstKernel: { name: string; min: number; max: number } | null
  backend: string
}

interface TfjsExport {
  modelTopology: unknown
  weightSpecs: { name: string; shape: number[]; dtype: string; quantization?: { dtype: string } }[]
  weightDataBase64: string
}

export async function loadExportWithStockTfjs(runId: string): Promise<StockCheck> {
  const api = getApi()
  const d = await api.invoke('runs.get', { runId })
  const art = d.artifacts.find((a) => a.name === 'tfjs-export')
  if (!art) throw new Error('this run has no stock TF.js export')
  const ex = (await api.invoke('artifacts.json', { artifactId: art.id })) as TfjsExport
  const bin = atob(ex.weightDataBase64)
  const bytes = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i)
  const tf = await import('@tensorflow/tfjs')
  const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: ex.modelTopology as object, weightSpecs: ex.weightSpecs as never, weightData: bytes.buffer }))
  try {
    const kernel = model.weights.find((w) => /kernel$/.test(w.originalName))
    let firstKernel: StockCheck['firstKernel'] = null
    if (kernel) {
      const v = (await kernel.read().data()) as Float32Array
      let lo = Infinity
      let hi = -Infinity
      for (const x of v) {
        if (x < lo) lo = x
        if (x > hi) hi = x
      }
      firstKernel = { name: kernel.originalName, min: lo, max: hi }
    }
    return { layers: model.layers.length, params: model.countParams(), quantizedWeights: ex.weightSpecs.filter((s) => s.quantization).length, firstKernel, backend: tf.getBackend() }
  } finally {
    model.dispose()
  }
}
