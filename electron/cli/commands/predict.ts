import path from 'node:path'
import type { JobSpecInput } from '../../../shared/index'
import { UserError } from '../../../shared/errors'
import { ACTIVATIONS, activationFlag, inputFile, number as num, str } from '../flags'
import { DirArtifactSink } from '../../engine/jobs/dir-sink'
import type { PredictJobResult } from '../../engine/jobs/kinds/predict'
import type { CliCommand } from '../command'
import { runJobForCli } from '../job-runner'

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

export const predictCommand: CliCommand = {
  name: 'predict',
  summary: 'infinite-width NTK/NNGP predictions (gradient flow at times t, or t = ∞ with GP variance)',
  usage: `Usage: ntkw predict --x-train A.npy --y-train Y.npy --x-test B.npy --depth L --activation A [--w-std S]
                    [--b-std B] [--kind ntk|nngp] [--t T[,T2,...]] [--lr ETA] [--diag-reg R]
                    [--out P.npy] [--var V.npy] [--approx rf|nystrom --features M [--seed N]]

Predicts the outputs on B of the infinite-width network L × (Dense → activation) → Dense trained by
full-batch gradient flow on the MSE loss (neural-tangents gradient_descent_mse conventions,
f₀ = 0: the infinite-ensemble mean). Without --t: t = ∞, solved by Cholesky with float64 refinement.
With --approx the kernel is replaced by ΦΦᵀ of a feature map (see ntkw features) and the regression
runs in feature space: O(n·m²) time and O(n·m) memory instead of O(n³) and O(n²), same conventions
(ε = R · trace(ΦΦᵀ)/n, time normalised by n·K), same outputs.

Options:
  --x-train A.npy     training points [n, d], float32 or float64
  --y-train Y.npy     training targets [n] (one output) or [n, K]
  --x-test B.npy      test points [m, d]
  --depth L           number of hidden Dense+activation pairs
  --activation A      ${ACTIVATIONS}
  --w-std S           weight standard deviation σ_w (default 1)
  --b-std B           bias standard deviation σ_b (omitted: no bias)
  --kind K            ntk (default) or nngp
  --t T[,T2,...]      training times; several give an output of shape [times, m, K]
  --lr ETA            learning rate η (default 1); time is normalised by n·K as in neural-tangents
  --diag-reg R        relative regularisation: ε = R · trace(K)/n added to the diagonal (default 0)
  --out P.npy         predictions, float32 [m, K] (default predictions.npy in the working directory)
  --var V.npy         also write the GP predictive variance K** − K*ᵀ(K + εI)⁻¹K* [m] (t = ∞ only)
  --y-test YT.npy     test targets: report test MSE and accuracy on stderr
  --approx M          rf (random features + TensorSRHT) or nystrom (landmarks from the training points)
  --features M        feature dimension (rf) or landmarks (nystrom); needed with --approx
  --seed N            seed of the approximate map (default 0)
  --quiet             no progress on stderr

Prints the paths of the written files on stdout.
`,
  options: {
    'x-train': { type: 'string' },
    'y-train': { type: 'string' },
    'x-test': { type: 'string' },
    'y-test': { type: 'string' },
    depth: { type: 'string' },
    activation: { type: 'string' },
    'w-std': { type: 'string' },
    'b-std': { type: 'string' },
    kind: { type: 'string' },
    t: { type: 'string' },
    lr: { type: 'string' },
    'diag-reg': { type: 'string' },
    out: { type: 'string' },
    var: { type: 'string' },
    approx: { type: 'string' },
    features: { type: 'string' },
    seed: { type: 'string' },
    quiet: { type: 'boolean' },
  },
  choices: { kind: ['ntk', 'nngp'] },
  async run({ values, io }) {
    const xTrain = inputFile('x-train', str(values['x-train']), USAGE_LINE, INPUTS)
    const yTrain = inputFile('y-train', str(values['y-train']), USAGE_LINE, INPUTS)
    const xTest = inputFile('x-test', str(values['x-test']), USAGE_LINE, INPUTS)
    const yTest = str(values['y-test']) !== undefined ? inputFile('y-test', str(values['y-test']), USAGE_LINE, INPUTS) : undefined
    const depth = num('depth', str(values.depth), (n) => Number.isInteger(n) && n >= 0 && n <= 64, 'an integer 0..64', '3')
    if (depth === undefined) throw new UserError('usage', '--depth is required', 'e.g. --depth 3 (three hidden Dense+activation pairs, then the readout)')
    const activation = activationFlag(str(values.activation))
    const wStd = num('w-std', str(values['w-std']), (n) => n > 0, 'a positive number', '1.5') ?? 1
    const bStd = num('b-std', str(values['b-std']), (n) => n >= 0, 'a number ≥ 0', '0.05') ?? null
    const kindText = str(values.kind) ?? 'ntk'
    if (kindText !== 'ntk' && kindText !== 'nngp') throw new UserError('bad_flag', `--kind ${kindText}: expected ntk or nngp`)
    const kind: 'ntk' | 'nngp' = kindText
    const times = parseTimes(str(values.t))
    const lr = num('lr', str(values.lr), (n) => n > 0, 'a positive number', '1') ?? 1
    const diagReg = num('diag-reg', str(values['diag-reg']), (n) => n >= 0, 'a number ≥ 0', '1e-4') ?? 0
    const out = path.resolve(str(values.out) ?? 'predictions.npy')
    const varPath = str(values.var) ? path.resolve(str(values.var)!) : undefined
    const approxText = str(values.approx)
    if (approxText !== undefined && approxText !== 'rf' && approxText !== 'nystrom') throw new UserError('bad_flag', `--approx ${approxText}: expected rf or nystrom`)
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
      arch: { depth, activation, wStd, bStd },
      kernel: kind,
      ...(times ? { times } : {}),
      learningRate: lr,
      diagReg,
      variance: Boolean(varPath),
      ...(approxText ? { approx: { method: approxText as 'rf' | 'nystrom', features: features!, seed: seed ?? 0 } } : {}),
    }
    const sink = new DirArtifactSink(path.dirname(out), { predictions: out, ...(varPath ? { variance: varPath } : {}) })
    const done = await runJobForCli(io, spec, { label: `predict ${kind}${approxText ? ` (${approxText} ${features})` : ''}`, quiet: Boolean(values.quiet), artifacts: sink })
    if (!done) return 130
    const result = done.result as PredictJobResult
    for (const m of result.metrics) {
      if (m.testMse === undefined) continue
      io.err(`t = ${m.t ?? '∞'}: test MSE ${m.testMse.toPrecision(4)}, accuracy ${((m.testAccuracy ?? 0) * 100).toFixed(2)}%\n`)
    }
    if (result.approx) {
      const a = result.approx
      io.err(`${a.method}: ${a.features} features (requested ${a.requested}, seed ${a.seed}), ${a.solver} solve; features ${a.featureSeconds.toFixed(1)} s, rest ${a.solveSeconds.toFixed(1)} s\n`)
    }
    for (const a of sink.written) if (a.path) io.out(`${a.path}\n`)
    return 0
  },
}
