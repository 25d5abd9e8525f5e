import { parentPort, workerData } from 'node:worker_threads'
import { drawMlpWeights, layerSizes } from '../nn/weights'
import { empiricalArrayNeeds } from './empirical-plan'
import type { PrefetchReply, PrefetchRequest } from './empirical-prefetch'

// Worker thread of ntk/empirical-prefetch.ts: one network's weights (drawMlpWeights, as on the main thread)
// and zero-filled buffers for the arrays its empirical NTK allocates, each page written once so that it is
// mapped when the main thread takes it. Loads no tfjs and no ONNX Runtime.

const PAGE_INTS = 1024

function touched(bytes: number): ArrayBuffer {
  const b = new ArrayBuffer(bytes)
  const v = new Int32Array(b, 0, bytes >>> 2)
  // a write (of the zero already there) maps the page; a read would only map the shared zero page
  for (let i = 0; i < v.length; i += PAGE_INTS) v[i] = 0
  return b
}

const r = workerData as PrefetchRequest
let reply: PrefetchReply
let transfer: ArrayBuffer[] = []
try {
  const layers = drawMlpWeights(r.arch, r.inDim, r.outDim, r.seed)
  const buffers = empiricalArrayNeeds(layerSizes(r.arch, r.inDim, r.outDim), r.n, r.n2, r.outputs).map((a) => touched(a.length * (a.type === 'f64' ? 8 : 4)))
  reply = { layers, buffers }
  transfer = [...layers.flatMap((l) => [l.w.buffer as ArrayBuffer, ...(l.b ? [l.b.buffer as ArrayBuffer] : [])]), ...buffers]
} catch (e) {
  reply = { error: e instanceof Error ? e.message : String(e) }
}
parentPort!.postMessage(reply, transfer)
