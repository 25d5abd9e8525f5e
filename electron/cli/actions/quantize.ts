import path from 'node:path'
import { UserError } from '../../../shared/errors'
import { BackendChoice } from '../../../shared/backend'
import { QatSpec } from '../../../shared/jobs/quantize'
import { initBackend } from '../../engine/runtime/backend'
import { quantizeFolderOnnx } from '../../engine/onnx/quantize-folder'
import { quantizeFolder, type QatFolderOptions, type QuantizeSummary } from '../../engine/quantize/quantize-folder'
import { parseCalibrationText, parseGranularityText } from '../../engine/quantize/parse'
import type { Granularity, Method, RangeCalibration, Scheme } from '../../engine/quantize/types'
import type { CliArgs } from '../command'
import { int, inputFile, number, oneOf, str } from '../flags'

const USAGE_LINE = 'Usage: ntkw quantize --model M/model.json --bits B --out DIR [...]'

export async function run({ values, io }: CliArgs): Promise<number> {
  const model = inputFile('model', str(values.model), USAGE_LINE, 'give the model.json of a TF.js Layers model')
  const out = str(values.out)
  if (!out) throw new UserError('usage', '--out is required', 'e.g. --out quantized/ (the folder receives model.json and its weights)')
  const bits = parseBits(str(values.bits))
  const method = oneOf('method', str(values.method), ['uniform', 'power', 'kmeans'] as const, 'uniform') as Method
  const scheme = oneOf('scheme', str(values.scheme), ['symmetric', 'affine'] as const, 'symmetric') as Scheme
  const granularity = parseGranularity(str(values.granularity))
  const calibration = parseCalibration(str(values.calib), 'calib')
  const format = oneOf('format', str(values.format), ['tfjs', 'ntkw', 'onnx'] as const, 'tfjs' as const)
  const activationsBits = str(values.activations)
  let activations = null
  if (activationsBits !== undefined) {
    const b = Number(activationsBits)
    if (!Number.isInteger(b) || b < 2 || b > 16) throw new UserError('bad_bits', `--activations ${activationsBits}: expected an integer 2..16`, 'e.g. --activations 8')
    activations = { bits: b, calibration }
  }
  const calibX = str(values['calib-x']) !== undefined ? inputFile('calib-x', str(values['calib-x']), USAGE_LINE) : undefined
  const evalX = str(values['eval-x']) !== undefined ? inputFile('eval-x', str(values['eval-x']), USAGE_LINE) : undefined
  const evalY = str(values['eval-y']) !== undefined ? inputFile('eval-y', str(values['eval-y']), USAGE_LINE, 'labels are .npy class ids or one-hot rows') : undefined
  const qat = qatOptions(values)
  if (qat && format === 'onnx') throw new UserError('usage', '--qat exports the trained grid as --format tfjs or ntkw, not onnx', 'Drop --format onnx (or --qat).')
  const backend = oneOf('backend', str(values.backend), BackendChoice.options, 'auto')
  await initBackend(backend)
  const quantize = format === 'onnx' ? quantizeFolderOnnx : quantizeFolder
  const summary = await quantize({
    model,
    out: path.resolve(out),
    spec: { bits, method, scheme, granularity, calibration, format: values.format === undefined ? 'auto' : format === 'onnx' ? 'ntkw' : format },
    activations,
    ...(calibX ? { calibX } : {}),
    biasCorrection: Boolean(values['bias-correction']),
    ...(evalX ? { evalX } : {}),
    ...(evalY ? { evalY } : {}),
    qat,
  })
  // a few lines for a reader; the whole document (hundreds of lines with per-layer choices) on --json
  if (values.json) io.out(JSON.stringify(summary, null, 2) + '\n')
  else io.out(summaryLines(summary))
  return 0
}

function summaryLines(s: QuantizeSummary): string {
  const q = s.layers.filter((l) => l.quantized).length
  const bits = s.bits === 'float16' ? 'float16' : `${s.bits} bits`
  const lines = [
    `${s.format} export in ${s.out}`,
    `  ${bits}, ${s.scheme}, ${s.granularity}, ${s.calibration}, ${s.method}${s.activations ? `, activations ${s.activations.bits} bits` : ''}${s.biasCorrection ? ', bias correction' : ''}`,
    `  ${q} of ${s.layers.length} weight tensors quantized; weights ${s.weightBytes.toLocaleString('en-US')} bytes (${(100 * s.sizeRatio).toFixed(1)} % of float32, ${s.compression.toFixed(1)}× smaller)`,
  ]
  const ev = s.evaluation
  if (s.qat) {
    const losses = s.qat.history.map((h) => h.trainLoss.toPrecision(3)).join(' → ')
    lines.push(`  QAT ${s.qat.epochs} epochs${s.qat.teacher ? ' distilled from the float model' : ''}: train loss ${losses}${s.qat.ptqAccuracy !== null ? `; accuracy without QAT ${(100 * s.qat.ptqAccuracy).toFixed(2)} %` : ''}`)
  }
  if (ev) lines.push(`  accuracy ${(100 * ev.float.accuracy).toFixed(2)} % → ${(100 * ev.quantized.accuracy).toFixed(2)} %, agreement with the float model ${(100 * ev.agreement).toFixed(2)} %`)
  lines.push(`  files: ${s.files.map((f) => path.basename(f)).join(', ')}  (--json for the whole summary)`)
  return lines.join('\n') + '\n'
}

/** --qat and its training flags (the quantize job's `qat`, with the same defaults) */
function qatOptions(values: Record<string, unknown>): QatFolderOptions | null {
  const given = ['qat-x', 'qat-y', 'qat-epochs', 'qat-lr', 'qat-batch', 'qat-teacher', 'seed'].filter((f) => values[f] !== undefined)
  if (!values.qat) {
    if (given.length) throw new UserError('usage', `--${given[0]} belongs to quantization-aware training`, 'Add --qat (with --qat-x and --qat-y), or drop it.')
    return null
  }
  const usage = 'QAT trains on labelled inputs: --qat --qat-x X.npy --qat-y Y.npy'
  const d = QatSpec.pick({ epochs: true, learningRate: true, batchSize: true }).parse({})
  return {
    x: inputFile('qat-x', str(values['qat-x']), usage),
    y: inputFile('qat-y', str(values['qat-y']), usage, 'labels are .npy class ids or one-hot rows'),
    epochs: number('qat-epochs', str(values['qat-epochs']), int(1, 1000), 'an integer 1..1000', '3') ?? d.epochs,
    learningRate: number('qat-lr', str(values['qat-lr']), (n) => n > 0 && n <= 1, 'a number in (0, 1]', '1e-4') ?? d.learningRate,
    batchSize: number('qat-batch', str(values['qat-batch']), int(1, 65536), 'an integer 1..65536', '128') ?? d.batchSize,
    seed: number('seed', str(values.seed), int(0, 2 ** 31 - 1), 'an integer 0..2147483647', '0') ?? 0,
    teacher: values['qat-teacher'] ? QatSpec.shape.teacher.unwrap().parse({}) : null,
  }
}

export function parseBits(v: string | undefined): number | 'float16' {
  if (v === undefined) throw new UserError('usage', '--bits is required', 'e.g. --bits 8 (2..8, 16, or float16)')
  if (v === 'float16' || v === 'f16') return 'float16'
  const b = Number(v)
  if (!Number.isInteger(b) || !((b >= 2 && b <= 8) || b === 16)) throw new UserError('bad_bits', `--bits ${v}: expected 2..8, 16 or float16`, 'e.g. --bits 8, --bits 4, --bits float16')
  return b
}

export function parseGranularity(v: string | undefined): Granularity {
  return v === undefined ? { kind: 'tensor' } : parseGranularityText(v)
}

export function parseCalibration(v: string | undefined, flag: string): RangeCalibration {
  return v === undefined ? { kind: 'minmax' } : parseCalibrationText(v, flag)
}
