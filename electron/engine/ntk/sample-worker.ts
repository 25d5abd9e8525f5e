import * as tf from '@tensorflow/tfjs-core'
import { serveRequests } from '../runtime/serve-thread'
import { empiricalSample } from './empirical-sample'
import type { SampleReply, SampleRequest } from './protocol'

// An empirical-sample thread of `ntkw worker` (issue 20): computes one network's empirical NTK with the
// code the local run uses (empirical-sample.ts) off the worker's main thread, so BullMQ's lock renewal never
// waits for a long sample. Its own tfjs backend, initialised on the first request.
serveRequests<SampleRequest>('sample-worker.ts', async (m, active) => {
  const t0 = performance.now()
  const x = tf.tensor2d(m.x, [m.xRows, m.d])
  const x2 = m.x2 ? tf.tensor2d(m.x2, [m.x2Rows, m.d]) : undefined
  try {
    const k = empiricalSample(m.arch, m.shape, x, x2, m.seed, { outDim: m.outDim, outputs: m.outputs })
    const shape = k.shape
    const kernel = k.dataSync() as Float32Array
    k.dispose()
    const reply: SampleReply = { type: 'sample', id: m.id, kernel, shape, backend: active, computeMs: performance.now() - t0 }
    return { reply, transfer: [kernel.buffer as ArrayBuffer] }
  } finally {
    x.dispose()
    x2?.dispose()
  }
})
