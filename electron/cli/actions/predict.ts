import path from 'node:path'
import type { JobSpecInput } from '../../../shared/index'
import { UserError } from '../../../shared/errors'
import { inputFile, number as num, str } from '../flags'
import { predictArchFlags } from '../commands/predict'
import { DirArtifactSink } from '../../engine/jobs/dir-sink'
import type { PredictJobResult } from '../../../shared/jobs/results'
import type { CliArgs } from '../command'
import { runJobForCli } from '../job-runner'
import { remoteTilesFlag } from '../remote-flag'

const USAGE_LINE = 'Usage: ntkw predict --x-train A.npy --y-train Y.npy --x-test B.npy --depth L --activation A [...]'
const INPUTS = 'inputs are .npy arrays saved with numpy.save (float32 or float64): points [n, d], labels [n] or [n, K]'

function parseTimes(v: string | undefined): number[] | undefined {
  if (v === undefined) return undefined
  const parts = v.split(',').map((s) => s.trim())
  const ts = parts.map(Number)
  if (parts.some((s) => s === '') || ts.some((t) => !Number.isFinite(t) || t < 0)) {
    throw new UserError('bad_flag', `--t ${v}: expected finite times ≥ 0 separated by commas`, 'e.g. --t 10 or --t 0,10,100,1000; omit --t for t = ∞')
  }
  return ts
}

export async function run({ values, io }: CliArgs): Promise<number> {
  const xTrain = inputFile('x-train', str(values['x-train']), USAGE_LINE, INPUTS)
  const yTrain = inputFile('y-train', str(values['y-train']), USAGE_LINE, INPUTS)
  const xTest = inputFile('x-test', str(values['x-test']), USAGE_LINE, INPUTS)
  const yTest = str(values['y-test']) !== undefined ? inputFile('y-test', str(values['y-test']), USAGE_LINE, INPUTS) : undefined
  const { arch, kind } = await predictArchFlags.parseKernelArch(values, xTrain)
  const times = parseTimes(str(values.t))
  const lr = num('lr', str(values.lr), (n) => n > 0, 'a positive number', '1') ?? 1
  const diagReg = num('diag-reg', str(values['diag-reg']), (n) => n >= 0, 'a number ≥ 0', '1e-4') ?? 0
  const out = path.resolve(str(values.out) ?? 'predictions.npy')
  const varPath = str(values.var) ? path.resolve(str(values.var)!) : undefined
  const approxText = str(values.approx)
  if (approxText !== undefined && approxText !== 'rf' && approxText !== 'nystrom' && approxText !== 'auto') throw new UserError('bad_flag', `--approx ${approxText}: expected rf, nystrom or auto`)
  const features = num('features', str(values.features), (n) => Number.isInteger(n) && n >= 4 && n <= 65536, 'an integer 4..65536', '4096')
  const seed = num('seed', str(values.seed), (n) => Number.isInteger(n) && n >= 0 && n < 2 ** 31, 'an integer ≥ 0', '0')
  if (approxText && features === undefined) throw new UserError('usage', '--approx needs --features M', 'e.g. --approx rf --features 4096, or --approx nystrom --features 1000')
  if (!approxText && (features !== undefined || seed !== undefined)) throw new UserError('usage', '--features and --seed apply to approximate predictions only', 'Add --approx rf or --approx nystrom, or drop them for the exact kernel.')
  if (varPath && times) throw new UserError('usage', '--var needs t = ∞: the predictive variance is the GP posterior', 'Drop --t to get the variance, or drop --var.')

  const spec: JobSpecInput = {
    kind: 'predict',
    xTrain: { type: 'npy', path: xTrain },
    yTrain: { type: 'npy', path: yTrain },
    xTest: { type: 'npy', path: xTest },
    ...(yTest ? { yTest: { type: 'npy' as const, path: yTest } } : {}),
    arch,
    kernel: kind,
    ...(times ? { times } : {}),
    learningRate: lr,
    diagReg,
    variance: Boolean(varPath),
    ...(approxText ? { approx: { method: approxText as 'rf' | 'nystrom' | 'auto', features: features!, seed: seed ?? 0 } } : {}),
  }
  const sink = new DirArtifactSink(path.dirname(out), { predictions: out, ...(varPath ? { variance: varPath } : {}) })
  const label = `predict ${kind}${approxText ? ` (${approxText} ${features})` : ''}`
  const remote = await remoteTilesFlag(values, io, label)
  const done = await runJobForCli(io, spec, { label, quiet: Boolean(values.quiet), artifacts: sink, ...(remote ? { remote } : {}) })
  if (!done) return 130
  const result = done.result as PredictJobResult
  for (const m of result.metrics) {
    if (m.testMse === undefined) continue
    io.err(`t = ${m.t ?? '∞'}: test MSE ${m.testMse.toPrecision(4)}, accuracy ${((m.testAccuracy ?? 0) * 100).toFixed(2)}%\n`)
  }
  if (result.auto) io.err(`auto: ${result.auto.reason}\n`)
  if (result.approx) {
    const a = result.approx
    io.err(`${a.method}: ${a.features} features (requested ${a.requested}, seed ${a.seed}), ${a.solver} solve; features ${a.featureSeconds.toFixed(1)} s, rest ${a.solveSeconds.toFixed(1)} s\n`)
  }
  for (const a of sink.written) if (a.path) io.out(`${a.path}\n`)
  return 0
}
