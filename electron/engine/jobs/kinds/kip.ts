import * as tf from '@tensorflow/tfjs-core'
import type { KipJobResult } from '../../../../shared/jobs/results'
import { ImportOptions } from '../../../../shared/dataset'
import { UserError } from '../../../../shared/errors'
import type { DatasetSummary } from '../../../../shared/dataset'
import { prepareDataset } from '../../data/prepare'
import { saveDataset } from '../../data/dataset-store'
import { runKip, type KipResult } from '../../kip/distill'
import { centredOneHot, indexClasses, realSupport } from '../../kip/sampling'
import { trainMlp } from '../../nn/train'
import { disposeMlp, initMlp } from '../../nn/mlp'
import { deriveSeed, Xoshiro128 } from '../../core/random'
import { openOrCreateProject } from '../../store/project-db'
import { CancelledError } from '../../core/cancel'
import type { JobContext, JobRunner } from '../../core/job'
import type { Matrix } from '../../core/matrix'
import { isNetKernelArch, planKernel, type FcArch } from '../../../../shared/arch'

/**
 * Class indices from a label column, or from one-hot rows (what a project dataset's label encoding gives:
 * one largest entry per row, all others equal, e.g. 0/1 or ±1).
 */
function labelsOf(m: Matrix, what: string): Float64Array {
  if (m.cols === 1) return Float64Array.from(m.data.subarray(0, m.rows))
  const out = new Float64Array(m.rows)
  for (let i = 0; i < m.rows; i++) {
    const row = m.data.subarray(i * m.cols, (i + 1) * m.cols)
    let arg = 0
    for (let c = 1; c < m.cols; c++) if (row[c]! > row[arg]!) arg = c
    const low = row[arg === 0 ? 1 : 0]!
    const oneHot = row[arg]! > low && row.every((v, c) => c === arg || v === low)
    if (!oneHot) {
      throw new UserError('labels_not_integer', `${what} has ${m.cols} columns and row ${i} is not one-hot: KIP needs integer class labels in one column (or one-hot rows)`, 'Pass the class index of each row (e.g. y = argmax of one-hot rows).')
    }
    out[i] = arg
  }
  return out
}

/**
 * The support images for display: every value mapped to an integer 0–255 between the snapshot's 0.5 % and
 * 99.5 % quantiles (meta lo, hi; per-feature standardised pixels have a few extreme values that would
 * otherwise grey everything out), so the UI reads small integers per refresh, not full floats.
 */
export function previewOf(x: Float32Array): { data: Float32Array; lo: number; hi: number } {
  const sorted = Float32Array.from(x).sort()
  const lo = sorted[Math.floor(0.005 * (sorted.length - 1))]!
  const hi = sorted[Math.ceil(0.995 * (sorted.length - 1))]!
  const k = hi > lo ? 255 / (hi - lo) : 0
  return { data: Float32Array.from(x, (v) => Math.min(255, Math.max(0, Math.round((v - lo) * k)))), lo, hi }
}

/** [h, w] or [h, w, c] of the images, when the features look like square images (else null). */
export function inferImageShape(d: number, given?: number[]): number[] | null {
  if (given) {
    if (given.reduce((a, b) => a * b, 1) !== d) throw new UserError('bad_image_shape', `imageShape ${given.join('×')} does not have ${d} values`, 'Give [height, width] or [height, width, channels] matching the feature count.')
    return given
  }
  const s = Math.round(Math.sqrt(d))
  if (s * s === d) return [s, s]
  const c = Math.round(Math.sqrt(d / 3))
  if (c * c * 3 === d) return [c, c, 3]
  return null
}

async function transferCheck(
  spec: Parameters<JobRunner<'kip'>>[0],
  res: KipResult,
  x: Matrix,
  labels: Float64Array,
  test: { x: Matrix; labels: Float64Array },
  ctx: JobContext,
): Promise<KipJobResult['transfer']> {
  const t = spec.transfer!
  const d = res.d
  const C = res.classes
  const arch = { ...(spec.arch as FcArch), width: t.width }
  const rows = realSupport(indexClasses(labels), spec.supportPerClass, new Xoshiro128(deriveSeed(spec.seed, 7)))
  const xr = new Float32Array(rows.length * d)
  rows.forEach((r, i) => xr.set(x.data.subarray(r * d, (r + 1) * d), i * d))
  const yr = Float32Array.from(centredOneHot(Array.from(rows, (r) => labels[r]!), C))
  const xTest = tf.tensor2d(Float32Array.from(test.x.data.subarray(0, test.x.rows * d)), [test.x.rows, d])
  const yTest = tf.tensor2d(Float32Array.from(centredOneHot(test.labels, C)), [test.x.rows, C])
  const accuracyOf = async (name: string, xs: Float32Array, ys: Float32Array): Promise<number> => {
    const xTrain = tf.tensor2d(xs, [xs.length / d, d])
    const yTrain = tf.tensor2d(ys, [ys.length / C, C])
    // The readout starts at zero, so f₀ = 0 as in the kernel regression the support set was distilled
    // for (a random f₀ of variance ~1 per output cost ~45 points of test accuracy on 100 MNIST images).
    const init = initMlp(arch, d, C, deriveSeed(spec.seed, 9))
    const readout = init.layers.at(-1)!
    readout.w.dispose()
    readout.w = tf.zerosLike(readout.w) as tf.Tensor2D
    if (readout.b) {
      readout.b.dispose()
      readout.b = tf.zerosLike(readout.b) as tf.Tensor2D
    }
    try {
      const r = await trainMlp({
        initial: init,
        arch,
        xTrain,
        yTrain,
        xTest,
        yTest,
        optimizer: 'adam',
        loss: 'mse',
        learningRate: t.learningRate,
        steps: t.steps,
        seed: deriveSeed(spec.seed, 9),
        classification: true,
        evalEvery: Math.max(1, Math.ceil(t.steps / 50)),
        onMetric: (m, step, v) => {
          if (m === 'accuracy') ctx.metric(`transfer_${name}_accuracy`, step, v)
        },
        onStep: async () => {
          ctx.throwIfCancelled()
          await ctx.yield()
        },
      })
      disposeMlp(r.net)
      return r.final.accuracy ?? 0
    } finally {
      disposeMlp(init)
      tf.dispose([xTrain, yTrain])
    }
  }
  try {
    ctx.progress(0.97, 'transfer: training a network on the distilled set')
    const distilled = await accuracyOf('distilled', res.final.x, res.final.y)
    ctx.progress(0.985, 'transfer: training a network on random real images')
    const random = await accuracyOf('random', xr, yr)
    return { distilled, random, width: t.width, steps: t.steps }
  } finally {
    tf.dispose([xTest, yTest])
  }
}

/**
 * Dataset distillation by Kernel Inducing Points (Nguyen, Chen & Lee, ICLR 2021). Streams the loss every
 * step, and every evalEvery steps the test accuracy and a 'support' snapshot (images) with its
 * 'support-labels'; saves the distilled set as a project dataset, also when cancelled.
 */
export const run: JobRunner<'kip'> = async (spec, ctx) => {
  if ((spec.xTest === undefined) !== (spec.yTest === undefined)) {
    throw new UserError('usage', 'give both xTest and yTest, or neither', 'The test accuracy needs the test points and their labels.')
  }
  const { matrix: x, hash } = await ctx.data.loadWithHash(spec.x)
  const labels = labelsOf(await ctx.data.load(spec.y), 'y')
  const test = spec.xTest && spec.yTest ? { x: await ctx.data.load(spec.xTest), labels: labelsOf(await ctx.data.load(spec.yTest), 'the test y') } : undefined
  ctx.recordDatasetHash(hash)
  const net = isNetKernelArch(spec.arch) ? spec.arch : null
  // an ARCH.json kernel is planned against the rows before any work (errors name the layer); its support
  // points are images of the file's input shape
  const plan = net ? planKernel(net.net, { wStd: net.wStd, bStd: net.bStd }, x.shape ?? [x.cols]) : null
  if (plan && spec.transfer) throw new UserError('usage', 'the transfer check trains an FC network of the kernel\'s architecture; it is not available with an ARCH.json kernel', 'Drop transfer, or use an FC architecture.')
  const imageShape = plan && plan.input.length === 3 ? plan.input : inferImageShape(x.cols, spec.imageShape)
  const steps = spec.steps
  let lastLoss: number | null = null
  const res = await runKip({
    x,
    labels,
    ...(test ? { test } : {}),
    perClass: spec.supportPerClass,
    kernel: spec.kernel,
    arch: plan ? { plan } : (spec.arch as FcArch),
    diagReg: spec.diagReg,
    steps,
    learningRate: spec.learningRate,
    batch: spec.batchSize,
    learnLabels: spec.learnLabels,
    init: spec.init,
    seed: spec.seed,
    evalEvery: spec.evalEvery,
    stopRequested: () => ctx.signal.aborted,
    onStep: async (step, loss) => {
      lastLoss = loss
      ctx.metric('loss', step, loss)
      ctx.progress((0.95 * step) / Math.max(1, steps), `step ${step}/${steps}, loss ${loss.toPrecision(4)}`)
      await ctx.yield()
    },
    onSnapshot: (s) => {
      if (s.testAccuracy !== null) ctx.metric('test_accuracy', s.step, s.testAccuracy)
      const ns = s.x.length / x.cols
      const meta = { step: s.step, perClass: spec.supportPerClass, classes: s.y.length / ns, imageShape, testAccuracy: s.testAccuracy }
      ctx.artifacts.saveArray('support', s.x, [ns, x.cols], meta)
      if (imageShape) {
        const p = previewOf(s.x)
        ctx.artifacts.saveArray('support-preview', p.data, [ns, x.cols], { ...meta, lo: p.lo, hi: p.hi })
      }
      ctx.artifacts.saveArray('support-labels', s.y, [ns, s.y.length / ns], meta)
    },
  })
  const ns = res.final.x.length / res.d
  if (res.stopped) {
    const meta = { step: res.stepsDone, perClass: spec.supportPerClass, classes: res.classes, imageShape, testAccuracy: null }
    ctx.artifacts.saveArray('support', res.final.x, [ns, res.d], meta)
    if (imageShape) {
      const p = previewOf(res.final.x)
      ctx.artifacts.saveArray('support-preview', p.data, [ns, res.d], { ...meta, lo: p.lo, hi: p.hi })
    }
    ctx.artifacts.saveArray('support-labels', res.final.y, [ns, res.classes], meta)
  }
  let dataset: DatasetSummary | null = null
  if (spec.project) {
    const name = spec.saveAs ?? `KIP ${spec.supportPerClass}/class ${spec.kernel.toUpperCase()}${spec.learnLabels ? ' learned labels' : ''}`
    const prepared = prepareDataset(
      {
        format: 'npy',
        x: res.final.x,
        xShape: [ns, ...(imageShape ?? [res.d])],
        y: { kind: 'numeric', values: res.final.y, shape: [ns, res.classes], integer: false },
        ...(imageShape ? { image: { height: imageShape[0]!, width: imageShape[1]!, channels: imageShape[2] ?? 1 } } : {}),
        notes: [
          `distilled by KIP (${spec.kernel.toUpperCase()}, ${net ? 'ARCH.json conv kernel' : `depth ${(spec.arch as FcArch).depth} ${(spec.arch as FcArch).activation.name}`}) from ${x.rows} points in ${res.stepsDone} steps${res.stopped ? ' (stopped early)' : ''}, run ${ctx.runId}`,
          `y holds the ${res.classes} label columns kernel regression uses (${spec.learnLabels ? 'learned' : 'one-hot − 1/C'}); class of row i = ⌊i / ${spec.supportPerClass}⌋`,
        ],
      },
      ImportOptions.parse({ task: 'regression' }),
      name,
    )
    const project = openOrCreateProject(spec.project)
    try {
      dataset = saveDataset(project.db, prepared, { name, source: `kip:${ctx.runId}` })
    } finally {
      project.close()
    }
    ctx.log('info', `saved the distilled set as dataset '${name}' (${dataset.id})`)
  }
  if (res.stopped) throw new CancelledError()
  const transfer = spec.transfer && test ? await transferCheck(spec, res, x, labels, test, ctx) : null
  ctx.progress(1, 'done')
  const result: KipJobResult = {
    stepsDone: res.stepsDone,
    stopped: res.stopped,
    supportSize: ns,
    classes: res.classes,
    initialAccuracy: res.initialAccuracy,
    finalAccuracy: res.final.testAccuracy,
    finalLoss: lastLoss,
    secondsPerStep: res.secondsPerStep,
    dataset,
    transfer,
  }
  return result
}
