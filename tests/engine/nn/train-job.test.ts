import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { tempDir } from '../../helpers/tmp'
import { readNpy, writeNpy } from '../../../electron/engine/io/npy'
import { executeJob } from '../../../electron/engine/jobs/execute'
import { DirArtifactSink } from '../../../electron/engine/jobs/dir-sink'
import { createDataResolver } from '../../../electron/engine/jobs/data-resolver'
import type { JobEvent, JobSpecInput } from '../../../shared/index'
import { testInputs } from './f64-mlp'

const tmp = tempDir()
const f = (name: string): string => path.join(tmp.dir, name)
const N = 30
const M = 12
const d = 2

// three well-separated clusters, labels 0, 1, 2 (one column)
function clusters(count: number, seed: number): { x: Float64Array; labels: Float64Array } {
  const noise = testInputs(count, d, seed, 0.3)
  const x = new Float64Array(count * d)
  const labels = new Float64Array(count)
  for (let i = 0; i < count; i++) {
    const c = i % 3
    x[i * d] = 2 * Math.cos((2 * Math.PI * c) / 3) + noise[i * d]!
    x[i * d + 1] = 2 * Math.sin((2 * Math.PI * c) / 3) + noise[i * d + 1]!
    labels[i] = c
  }
  return { x, labels }
}

beforeAll(() => {
  const tr = clusters(N, 1)
  const te = clusters(M, 2)
  writeNpy(f('x.npy'), tr.x, [N, d])
  writeNpy(f('y.npy'), tr.labels, [N])
  writeNpy(f('xt.npy'), te.x, [M, d])
  writeNpy(f('yt.npy'), te.labels, [M])
  writeNpy(f('ybad.npy'), Float64Array.from({ length: N }, (_, i) => (i === 3 ? 0.5 : 1)), [N])
})
afterAll(() => tmp.cleanup())

async function runJob(spec: JobSpecInput, signal = new AbortController().signal, onEvent?: (e: JobEvent) => void) {
  const events: JobEvent[] = []
  const sink = new DirArtifactSink(tmp.dir)
  const outcome = await executeJob(spec, {
    runId: 'train',
    signal,
    emit: (e) => {
      events.push(e)
      onEvent?.(e)
    },
    artifacts: sink,
    data: createDataResolver(),
  })
  return { outcome, events, sink }
}

const base = {
  kind: 'train' as const,
  xTrain: { type: 'npy' as const, path: f('x.npy') },
  yTrain: { type: 'npy' as const, path: f('y.npy') },
  xTest: { type: 'npy' as const, path: f('xt.npy') },
  yTest: { type: 'npy' as const, path: f('yt.npy') },
  arch: { depth: 1, width: 32, activation: { name: 'relu' as const }, bStd: 0.1 },
}

describe('train job', () => {
  it('cross-entropy on integer labels: metrics stream, history and test predictions are saved', async () => {
    const { outcome, events } = await runJob({ ...base, loss: 'cross-entropy', optimizer: 'adam', learningRate: 0.05, steps: 120, kernelEvery: 40, evalEvery: 10 })
    expect(outcome.state).toBe('succeeded')
    const result = (outcome as { result: { final: { accuracy: number; trainLoss: number }; outDim: number; classification: boolean } }).result
    expect(result.outDim).toBe(3)
    expect(result.classification).toBe(true)
    expect(result.final.accuracy).toBe(1)
    const metrics = events.filter((e): e is Extract<JobEvent, { type: 'metric' }> => e.type === 'metric')
    const names = new Set(metrics.map((m) => m.name))
    for (const want of ['train_loss', 'test_loss', 'accuracy', 'train_accuracy', 'kernel_drift']) expect(names.has(want)).toBe(true)
    const loss = metrics.filter((m) => m.name === 'train_loss')
    expect(loss.at(-1)!.value).toBeLessThan(loss[0]!.value / 3)
    const pred = readNpy(f('predictions.npy'))
    expect(pred.shape).toEqual([M, 3])
    const history = JSON.parse(readFileSync(f('history.json'), 'utf8')) as { curves: Record<string, { step: number; value: number }[]> }
    expect(history.curves.train_loss!.length).toBe(loss.length)
    expect(history.curves.kernel_drift!.map((p) => p.step)).toEqual([40, 80, 120])
  })

  it('MSE on one-column real targets is regression (no accuracy)', async () => {
    const { outcome, events } = await runJob({ ...base, yTest: undefined, xTest: undefined, loss: 'mse', learningRate: 0.5, steps: 20 })
    expect(outcome.state).toBe('succeeded')
    expect(events.some((e) => e.type === 'metric' && e.name === 'accuracy')).toBe(false)
  })

  it('rejects non-integer class labels with a hint', async () => {
    const { outcome } = await runJob({ ...base, yTrain: { type: 'npy', path: f('ybad.npy') }, loss: 'cross-entropy', steps: 5 })
    expect(outcome.state).toBe('failed')
    expect((outcome as { error: string }).error).toMatch(/row 3 is 0.5, not a class label/)
  })

  it('is cancelled between steps', async () => {
    const ac = new AbortController()
    const { outcome } = await runJob({ ...base, steps: 1_000_000, learningRate: 0.01 }, ac.signal, (e) => {
      if (e.type === 'metric' && e.step >= 20) ac.abort()
    })
    expect(outcome.state).toBe('cancelled')
  })
})
