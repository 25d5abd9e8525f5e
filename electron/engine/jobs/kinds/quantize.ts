import * as tf from '@tensorflow/tfjs-core'
import type * as tfl from '@tensorflow/tfjs-layers'
import { existsSync, statSync } from 'node:fs'
import path from 'node:path'
import type { DataRef, JobSpecOf, QuantizeCell, QuantizeJobResult } from '../../../../shared/index'
import { UserError } from '../../../../shared/errors'
import type { JobContext } from '../../core/job'
import type { Matrix } from '../../core/matrix'
import { inputTensor, labelIds } from '../../models/data'
import { readModelFolder, type ModelFiles } from '../../models/format'
import { filesToModel, inputShapeOf, outputUnitsOf } from '../../models/io'
import { histogram, layerTable, weightHistograms } from '../../models/inspect'
import { APP_VERSION } from '../../runtime/version'
import { parseCalibrationText, parseGranularityText } from '../../quantize/parse'
import { writeQuantizedExport } from '../../quantize/export/write-export'
import { chooseMixedPrecision } from '../../quantize/mixed-precision'
import { evaluateForward, quantizePtq } from '../../quantize/ptq'
import { isKernel, type ModelQuantSpec } from '../../quantize/quantize-model'
import { quantizeCell, sweepEnv, type SweepEnv } from '../../quantize/sweep-cell'
import { startRemoteUnits, type UnitArray } from '../../core/remote-tiles'
import { QUANT_JOB_KIND } from '../../../../shared/cluster'
import type { QuantizeCellSpec } from '../../../../shared/jobs/quantize'
import { quantizationAwareTraining } from '../../quantize/qat'
import { layerSensitivity } from '../../quantize/sensitivity'
import type { Method } from '../../quantize/types'

type Spec = JobSpecOf<'quantize'>

function loadModelFiles(spec: Spec, ctx: JobContext): ModelFiles {
  if (/\.json$/i.test(spec.model) || existsSync(spec.model)) return readModelFolder(spec.model)
  if (!ctx.models) throw new UserError('model_not_found', `no model store for this run: cannot resolve model id ${spec.model}`, 'Give the path of a model.json, or run the job in a project.')
  return ctx.models.load(spec.model) as unknown as ModelFiles
}

/** Sweep of quantization schemes on one model, evaluated against the float model (docs/math.md, Quantization). */
export async function run(spec: Spec, ctx: JobContext): Promise<QuantizeJobResult> {
  const files = loadModelFiles(spec, ctx)
  const model: tfl.LayersModel = await filesToModel(files, spec.model)
  const inputShape = inputShapeOf(model)
  const k = outputUnitsOf(model)
  const load = (r: DataRef): Promise<Matrix> => ctx.data.load(r)
  const xm = await load(spec.xEval)
  const ym = await load(spec.yEval)
  ctx.recordDatasetHash(await ctx.data.hash(spec.xEval))
  if (ym.rows !== xm.rows) throw new UserError('shape_mismatch', `the evaluation set has ${xm.rows} inputs but ${ym.rows} labels`)
  const tensors: tf.Tensor[] = []
  const keep = <T extends tf.Tensor>(t: T): T => (tensors.push(t), t)
  let calib: Matrix | null = null
  let env: SweepEnv
  try {
    calib = spec.xCalib ? await load(spec.xCalib) : null
    env = sweepEnv(model, { xEval: xm, yEval: ym, calib }, spec)
  } catch (e) {
    model.dispose()
    throw e
  }
  try {
    const { xEval, labels, probe } = env
    const calibX = env.calibX ?? undefined
    if (spec.methods.includes('power') && !calibX) throw new UserError('calibration_needed', 'the power method searches its exponent on calibration data', 'Pick calibration data (a few hundred training rows).')
    const floatWeights = env.floatWeights
    const floatBytes = floatWeights.reduce((s, w) => s + 4 * w.values.length, 0)
    const f = evaluateForward((x) => model.apply(x, { training: false }) as tf.Tensor, xEval, labels, k)
    ctx.log('info', `float model: accuracy ${(100 * f.accuracy).toFixed(2)} % on ${labels.length} rows, ${floatBytes} weight bytes`)
    let ntkOk = probe !== null

    const cells: QuantizeCell[] = []
    const combos: { bits: number | 'float16'; granularity: string; calibration: string; method: Method }[] = []
    for (const method of spec.methods)
      for (const bits of spec.bits)
        for (const granularity of spec.granularities)
          for (const calibration of method === 'kmeans' || bits === 'float16' ? [spec.calibrations[0]!] : spec.calibrations) {
            if (bits === 'float16' && (method !== 'uniform' || granularity !== spec.granularities[0])) continue
            if (bits === 16 && method !== 'uniform') continue
            combos.push({ bits, granularity, calibration, method })
          }
    const total = combos.length + (spec.sensitivityBits.length ? 1 : 0) + (spec.export ? 1 : 0) + (spec.qat ? 1 : 0)
    const cellSpec = (c: (typeof combos)[number]): QuantizeCellSpec => ({ ...c, scheme: spec.scheme, biasCorrection: spec.biasCorrection, ntkProbe: spec.ntkProbe })
    // through --redis / Settings ▸ Compute: one queue job per cell, computed by the workers with quantizeCell
    // on the model and rows sent once; the loop takes the outcomes in sweep order, so the cells are the
    // local run's (sensitivity, mixed precision, export and QAT stay on this machine)
    const remote = ctx.remote && combos.length > 0
      ? startRemoteUnits(ctx.remote, {
          kind: QUANT_JOB_KIND,
          arrays: {
            xEval: f32(xm),
            yEval: f32(ym),
            ...(calib ? { calibX: f32({ data: calib.data, rows: Math.min(calib.rows, spec.calibRows), cols: calib.cols }) } : {}),
          },
          blobs: { modelJson: new TextEncoder().encode(JSON.stringify(files.modelJson)), weights: files.weights },
          units: combos.map((c) => ({ spec: cellSpec(c) })),
        }, ctx.signal)
      : null
    let finished = false
    try {
      for (const [ci, c] of combos.entries()) {
        ctx.throwIfCancelled()
        ctx.progress(ci / total, `${c.method} ${c.bits} bits ${c.granularity} ${c.calibration}${remote ? ' (on a worker)' : ''}`)
        const o = remote ? await remote.get(ci) : await quantizeCell(cellSpec(c), env, ntkOk)
        const cell: QuantizeCell = {
          ...c,
          accuracy: o.accuracy,
          loss: o.loss,
          weightBytes: o.weightBytes,
          sizeRatio: o.weightBytes === null ? null : o.weightBytes / floatBytes,
          ntkShift: ntkOk ? o.ntkShift : null,
          confusionDelta: o.confusion ? o.confusion.map((row, i) => row.map((v, j) => v - f.confusion[i]![j]!)) : null,
          error: o.error,
          levels: o.levels,
          exponents: o.exponents,
        }
        if (ntkOk && o.ntkError !== null) {
          ntkOk = false
          ctx.log('warn', `NTK comparison skipped: ${o.ntkError}`)
        }
        if (o.error !== null) ctx.log('warn', `${c.method} ${c.bits} bits ${c.granularity}: ${o.error}`)
        else ctx.metric('accuracy', ci, o.accuracy!)
        cells.push(cell)
        await ctx.yield()
      }
      await remote?.done
      finished = true
    } finally {
      if (!finished) remote?.stop()
    }

    let sensitivity: QuantizeJobResult['sensitivity'] = null
    let mixed: QuantizeJobResult['mixed'] = null
    if (spec.sensitivityBits.length) {
      ctx.progress(combos.length / total, 'sensitivity, one layer at a time')
      const g = parseGranularityText(spec.granularities[0]!)
      const cal = parseCalibrationText(spec.calibrations[0]!)
      const s = await layerSensitivity(model, { scheme: spec.scheme, granularity: g, calibration: cal, method: 'uniform' }, spec.sensitivityBits, xEval, labels, () => ctx.yield())
      sensitivity = s.rows.map((r) => ({ layer: r.layer, bits: r.bits, accuracy: r.accuracy, drop: r.drop, bytes: r.bytes }))
      if (spec.mixedBudget) {
        const budget = spec.mixedBudget * s.floatBytes
        const choice = chooseMixedPrecision(s, budget)
        const r = await quantizePtq(model, { spec: { bits: 8, scheme: spec.scheme, granularity: g, calibration: cal, method: 'uniform', format: 'ntkw' }, bitsFor: new Map(Object.entries(choice.bits)) })
        const measured = evaluateForward(r.forward, xEval, labels, k).accuracy
        r.model.dispose()
        mixed = { budgetBytes: budget, bits: choice.bits, bytes: choice.bytes, predictedAccuracy: choice.predictedAccuracy, measuredAccuracy: measured }
        ctx.log('info', `mixed precision under ${Math.round(budget)} bytes: ${JSON.stringify(choice.bits)}, predicted ${(100 * choice.predictedAccuracy).toFixed(2)} %, measured ${(100 * measured).toFixed(2)} %`)
      }
    }

    let exported: QuantizeJobResult['export'] = null
    if (spec.export) {
      ctx.progress((total - 1) / total, 'export')
      const x = spec.export
      const qspec: ModelQuantSpec = { bits: x.bits, scheme: x.scheme, granularity: parseGranularityText(x.granularity), calibration: parseCalibrationText(x.calibration), method: x.method, format: x.format }
      const r = await quantizePtq(model, { spec: qspec, ...(calibX ? { calibX } : {}), biasCorrection: spec.biasCorrection && Boolean(calibX) })
      const acc = evaluateForward(r.forward, xEval, labels, k).accuracy
      let dir: string | null = null
      let written: { name: string; bytes: number }[] = []
      if (x.dir) {
        const w = writeQuantizedExport(x.dir, files.modelJson.modelTopology, r.qm, `NTK Workbench ${APP_VERSION}`)
        dir = w.modelJson
        written = w.files.map((f) => ({ name: path.basename(f), bytes: statSync(f).size }))
      }
      let modelId: string | null = null
      if (x.format === 'tfjs' && r.qm.tfjs) {
        // the stock model as one small JSON artifact, so the app can load it with stock TF.js in the page
        const n = r.qm.tfjs.reduce((s, e) => s + e.bytes.length, 0)
        if (n <= 8 << 20) {
          const all = new Uint8Array(n)
          let o = 0
          for (const e of r.qm.tfjs) {
            all.set(e.bytes, o)
            o += e.bytes.length
          }
          ctx.artifacts.saveJson('tfjs-export', { modelTopology: files.modelJson.modelTopology, weightSpecs: r.qm.tfjs.map((e) => e.spec), weightDataBase64: Buffer.from(all).toString('base64') })
        }
      }
      if (x.format === 'tfjs' && ctx.models && r.qm.tfjs) {
        const all = r.qm.tfjs
        const bytes = new Uint8Array(all.reduce((s, e) => s + e.bytes.length, 0))
        let o = 0
        for (const e of all) {
          bytes.set(e.bytes, o)
          o += e.bytes.length
        }
        const stored = {
          modelJson: { ...files.modelJson, weightsManifest: [{ paths: ['./weights.bin'], weights: all.map((e) => e.spec) }] },
          weights: bytes,
          meta: {
            ...(((files.modelJson as { userDefinedMetadata?: { ntkw?: Record<string, unknown> } }).userDefinedMetadata?.ntkw ?? {}) as Record<string, unknown>),
            name: `${spec.name ?? 'model'} ${x.bits === 'float16' ? 'float16' : `int${x.bits}`}`,
            source: { kind: 'quantize' as const, runId: ctx.runId, ...(existsSync(spec.model) ? {} : { parentModelId: spec.model }) },
            inputShape,
            numClasses: k,
            parameterization: 'standard' as const,
            metrics: { accuracy: acc },
            params: model.countParams(),
            weightBytes: bytes.length,
          },
          layers: layerTable(r.model),
          histograms: await weightHistograms(r.model),
        }
        modelId = ctx.models.save(stored as never).id
      }
      exported = { format: x.format, dir, files: written, stockLoadable: x.format === 'tfjs', modelId, weightBytes: r.qm.bytes, accuracy: acc }
      r.model.dispose()
    }

    let qat: QuantizeJobResult['qat'] = null
    if (spec.qat) {
      const o = spec.qat
      ctx.progress((total - 1) / total, `QAT ${o.bits} bits ${o.granularity}`)
      const xt = await load(o.xTrain)
      const yt = await load(o.yTrain)
      if (xt.rows !== yt.rows) throw new UserError('shape_mismatch', `QAT training set: ${xt.rows} inputs but ${yt.rows} labels`)
      const xTrain = keep(inputTensor({ data: xt.data, shape: [xt.rows, xt.cols] }, inputShape, 'QAT training x'))
      const yTrain = labelIds({ data: yt.data, shape: yt.cols === 1 ? [yt.rows] : [yt.rows, yt.cols] }, k, 'QAT training y')
      const qspec: ModelQuantSpec = { bits: o.bits, scheme: spec.scheme, granularity: parseGranularityText(o.granularity), calibration: parseCalibrationText(o.calibration), method: 'uniform', format: 'ntkw' }
      const p = await quantizePtq(model, { spec: qspec })
      const ptqAccuracy = evaluateForward(p.forward, xEval, labels, k).accuracy
      p.model.dispose()
      const history: { epoch: number; trainLoss: number; trainAccuracy: number }[] = []
      const r = await quantizationAwareTraining(model, {
        spec: qspec,
        x: xTrain,
        labels: yTrain,
        epochs: o.epochs,
        learningRate: o.learningRate,
        batchSize: o.batchSize,
        seed: spec.seed,
        teacher: o.teacher ?? null,
        onEpoch: (e) => {
          history.push(e)
          ctx.metric('qat_train_loss', e.epoch, e.trainLoss)
        },
        isCancelled: () => ctx.signal.aborted,
      })
      const accuracy = evaluateForward((v) => r.model.apply(v, { training: false }) as tf.Tensor, xEval, labels, k).accuracy
      r.model.dispose()
      qat = { bits: o.bits, granularity: o.granularity, ptqAccuracy, accuracy, weightBytes: r.qm.bytes, history }
      ctx.log('info', `QAT ${o.bits} bits ${o.granularity}: PTQ ${(100 * ptqAccuracy).toFixed(2)} % → QAT ${(100 * accuracy).toFixed(2)} %`)
    }

    const histograms = floatWeights.filter(isKernel).map((w) => {
      const h = histogram(w.name, w.values, spec.histogramBins)
      return { layer: w.name, min: h.min, max: h.max, counts: h.counts }
    })
    const result: QuantizeJobResult = {
      modelName: spec.model,
      float: { accuracy: f.accuracy, loss: f.loss, weightBytes: floatBytes, confusion: f.confusion },
      cells,
      histograms,
      sensitivity,
      mixed,
      export: exported,
      qat,
    }
    ctx.artifacts.saveJson('quantize', result)
    ctx.progress(1)
    return result
  } finally {
    tf.dispose(tensors)
    env.dispose()
    model.dispose()
  }
}

/** the float32 rows a worker receives (inputTensor rounds float64 rows to float32 the same way here) */
function f32(m: Matrix): UnitArray {
  const n = m.rows * m.cols
  return { data: m.data instanceof Float32Array ? m.data.subarray(0, n) : Float32Array.from(m.data.subarray(0, n)), rows: m.rows, cols: m.cols }
}
