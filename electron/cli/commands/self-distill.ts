import path from 'node:path'
import type { JobSpecInput } from '../../../shared/index'
import { UserError } from '../../../shared/errors'
import { DirArtifactSink } from '../../engine/jobs/dir-sink'
import type { CliCommand } from '../command'
import { ACTIVATIONS, activationFlag, inputFile, int, number as num, str } from '../flags'
import { runJobForCli } from '../job-runner'

const USAGE_LINE = 'Usage: ntkw self-distill --x-train A.npy --y-train Y.npy --x-test B.npy --depth L --activation ACT --diag-reg R --alpha A --steps S --out P.npy'
const INPUTS = 'inputs are .npy arrays saved with numpy.save (float32 or float64): points [n, d], targets [n] or [n, K]'

interface SelfDistillResult {
  finalTestMse: Record<string, number | null>
  lambda: number
}

export const selfDistillCommand: CliCommand = {
  name: 'self-distill',
  summary: 'kernel self-distillation (Borup & Andersen): test predictions of steps 1..S in closed form',
  usage: `Usage: ntkw self-distill --x-train A.npy --y-train Y.npy --x-test B.npy --depth L --activation ACT
                         [--w-std S] [--b-std B] [--kind ntk|nngp] --diag-reg R --alpha A --steps S
                         --out P.npy

Self-distillation in kernel ridge regression with the infinite-width NTK/NNGP of L × (Dense → activation)
→ Dense (Borup & Andersen, "Even your Teacher Needs Guidance", NeurIPS 2021): step τ fits the targets
α·y + (1 − α)·ŷ^(τ−1) on the training points (ŷ^(0) = y, so step 1 is kernel ridge regression). All steps
come from one eigendecomposition of the training kernel (float32, refined in float64); as τ → ∞ the fit
tends to ridge regression with λ/α.

Options:
  --x-train A.npy     training points [n, d], float32 or float64
  --y-train Y.npy     training targets [n] or [n, K] (one-hot rows for classes)
  --x-test B.npy      test points [m, d]
  --depth L           number of hidden Dense+activation pairs
  --activation ACT    ${ACTIVATIONS}
  --w-std S           weight standard deviation σ_w (default 1)
  --b-std B           bias standard deviation σ_b (omitted: no bias)
  --kind K            ntk (default) or nngp
  --diag-reg R        relative ridge, > 0: λ = R · trace(K)/n (as ntkw predict)
  --alpha A           weight of the ground-truth targets at every step, 0..1
  --steps S           number of distillation steps (1..200)
  --out P.npy         test predictions, float32 [S, m, K]: row τ−1 holds step τ
  --y-test YT.npy     test targets: report the test MSE of the first and last step on stderr
  --quiet             no progress on stderr

Prints the path of the written file on stdout.
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
    'diag-reg': { type: 'string' },
    alpha: { type: 'string' },
    steps: { type: 'string' },
    out: { type: 'string' },
    quiet: { type: 'boolean' },
  },
  async run({ values, io }) {
    const xTrain = inputFile('x-train', str(values['x-train']), USAGE_LINE, INPUTS)
    const yTrain = inputFile('y-train', str(values['y-train']), USAGE_LINE, INPUTS)
    const xTest = inputFile('x-test', str(values['x-test']), USAGE_LINE, INPUTS)
    const yTest = str(values['y-test']) !== undefined ? inputFile('y-test', str(values['y-test']), USAGE_LINE, INPUTS) : undefined
    const depth = num('depth', str(values.depth), int(0, 64), 'an integer 0..64', '3')
    if (depth === undefined) throw new UserError('usage', '--depth is required', 'e.g. --depth 2 (two hidden Dense+activation pairs, then the readout)')
    const activation = activationFlag(str(values.activation))
    const wStd = num('w-std', str(values['w-std']), (n) => n > 0, 'a positive number', '1.5') ?? 1
    const bStd = num('b-std', str(values['b-std']), (n) => n >= 0, 'a number ≥ 0', '0.05') ?? null
    const kindText = str(values.kind) ?? 'ntk'
    if (kindText !== 'ntk' && kindText !== 'nngp') throw new UserError('bad_flag', `--kind ${kindText}: expected ntk or nngp`)
    const diagReg = num('diag-reg', str(values['diag-reg']), (n) => n > 0 && n <= 10, 'a number in (0, 10]: self-distillation needs a ridge', '1e-2')
    if (diagReg === undefined) throw new UserError('usage', '--diag-reg is required', 'e.g. --diag-reg 1e-2 (λ = R · trace(K)/n)')
    const alpha = num('alpha', str(values.alpha), (n) => n >= 0 && n <= 1, 'a number in [0, 1]', '0.5')
    if (alpha === undefined) throw new UserError('usage', '--alpha is required', 'e.g. --alpha 0.5 (weight of the ground-truth targets at each step)')
    const steps = num('steps', str(values.steps), int(1, 200), 'an integer 1..200', '10')
    if (steps === undefined) throw new UserError('usage', '--steps is required', 'e.g. --steps 10')
    if (!str(values.out)) throw new UserError('usage', '--out is required', 'e.g. --out predictions.npy (float32 [steps, m, K])')
    const out = path.resolve(str(values.out)!)
    const spec: JobSpecInput = {
      kind: 'self-distill',
      xTrain: { type: 'npy', path: xTrain },
      yTrain: { type: 'npy', path: yTrain },
      xTest: { type: 'npy', path: xTest },
      ...(yTest ? { yTest: { type: 'npy' as const, path: yTest } } : {}),
      arch: { depth, activation, wStd, bStd },
      kernel: kindText,
      diagReg,
      alphas: [alpha],
      steps,
      optimal: false,
      savePredictions: true,
      saveSummary: false,
    }
    const sink = new DirArtifactSink(path.dirname(out), { predictions: out })
    const done = await runJobForCli(io, spec, { label: `self-distill ${kindText}`, quiet: Boolean(values.quiet), artifacts: sink })
    if (!done) return 130
    const result = done.result as SelfDistillResult
    if (yTest) io.err(`λ = ${result.lambda.toPrecision(4)}; test MSE after ${steps} step(s) with α = ${alpha}: ${result.finalTestMse[String(alpha)]?.toPrecision(4)}\n`)
    io.out(`${out}\n`)
    return 0
  },
}
