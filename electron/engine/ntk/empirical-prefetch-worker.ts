import { workerData } from 'node:worker_threads'
import { drawMlpWeights, layerSizes } from '../nn/weights'
import { empiricalArrayNeeds } from './empirical-plan'
import type { PrefetchMessage, PrefetchRequest, PrefetchWorkerData } from './empirical-prefetch'

// Worker thread of ntk/empirical-prefetch.ts: given its request on its port, one network's weights
// (drawMlpWeights, as on the main thread), then zero-filled buffers for the arrays its empirical NTK
// allocates, in the order it takes them, each page written once so that it is mapped when the main thread
// takes it; until the main thread sets `stop`. Ends unused when its port closes first. Loads no tfjs and no
// ONNX Runtime.

const PAGE_INTS = 1024
const { port, stop } = workerData as PrefetchWorkerData
const post = (m: PrefetchMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer)

/** a zeroed buffer whose pages are mapped, or null when the main thread no longer wants it */
function touched(bytes: number): ArrayBuffer | null {
  const b = new ArrayBuffer(bytes)
  const v = new Int32Array(b, 0, bytes >>> 2)
  // a write (of the zero already there) maps the page; a read would only map the shared zero page
  for (let i = 0; i < v.length; i += PAGE_INTS) {
    if ((i & 0x3ffff) === 0 && Atomics.load(stop, 0)) return null
    v[i] = 0
  }
  return b
}

function prepare(r: PrefetchRequest): void {
  try {
    const layers = drawMlpWeights(r.arch, r.inDim, r.outDim, r.seed)
    post({ layers }, layers.flatMap((l) => [l.w.buffer as ArrayBuffer, ...(l.b ? [l.b.buffer as ArrayBuffer] : [])]))
    for (const a of empiricalArrayNeeds(layerSizes(r.arch, r.inDim, r.outDim), r.n, r.n2, r.outputs)) {
      const b = touched(a.length * (a.type === 'f64' ? 8 : 4))
      if (!b) break
      post({ buffer: b }, [b])
    }
  } catch (e) {
    post({ error: e instanceof Error ? e.message : String(e) })
  }
  port.close()
}

port.once('message', prepare)
