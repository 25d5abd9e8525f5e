import { describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { tmpdir } from 'node:os'
import type { JobEvent } from '../../../shared/index'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { executeJob } from '../../../electron/engine/jobs/execute'
import { DirArtifactSink } from '../../../electron/engine/jobs/dir-sink'
import { createDataResolver } from '../../../electron/engine/jobs/data-resolver'

// Issue 13 defect 1: a job must run on the backend the user chose (`ntkw run --backend`, the settings
// choice sent to the engine process), not on the one 'auto' would pick.
describe('backend choice', () => {
  it('a job runs on, and records, the backend chosen before it', async () => {
    const auto = await initBackend('auto')
    // cpu always loads, and differs from the automatic choice wherever wasm or native TensorFlow loads.
    const info = await initBackend('cpu')
    expect(info.active).toBe('cpu')
    const events: JobEvent[] = []
    let during = ''
    const outcome = await executeJob(
      { kind: 'backend-benchmark', matmulSizes: [16], elementwiseSizes: [1024], repeats: 1 },
      {
        runId: 'r1',
        signal: new AbortController().signal,
        emit: (e) => {
          events.push(e)
          if (e.type === 'progress' && !during) during = tf.getBackend()
        },
        artifacts: new DirArtifactSink(tmpdir()),
        data: createDataResolver(),
      },
    )
    expect(outcome).toMatchObject({ state: 'succeeded' })
    const started = events.find((e) => e.type === 'started') as Extract<JobEvent, { type: 'started' }>
    expect(started.backend).toBe('cpu')
    expect((outcome as { result: { backend: string } }).result.backend).toBe('cpu')
    expect(tf.getBackend()).toBe('cpu')
    if (during) expect(during).toBe('cpu')
    // Asking for nothing in particular keeps the choice; asking for 'auto' again returns to the automatic one.
    expect((await initBackend()).active).toBe('cpu')
    expect((await initBackend('auto')).choice).toBe(auto.choice)
  })
})
