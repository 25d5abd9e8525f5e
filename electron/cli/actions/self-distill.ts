import path from 'node:path'
import type { JobSpecInput } from '../../../shared/index'
import { UserError } from '../../../shared/errors'
import { DirArtifactSink } from '../../engine/jobs/dir-sink'
import type { CliArgs } from '../command'
import { inputFile, int, number as num, str } from '../flags'
import { selfDistillArchFlags } from '../commands/self-distill'
import { runJobForCli } from '../job-runner'

const USAGE_LINE = 'Usage: ntkw self-distill --x-train A.npy --y-train Y.npy --x-test B.npy --depth L --activation ACT --diag-reg R --alpha A --steps S --out P.npy'
const INPUTS = 'inputs are .npy arrays saved with numpy.save (float32 or float64): points [n, d], targets [n] or [n, K]'

interface SelfDistillResult {
  finalTestMse: Record<string, number | null>
  lambda: number
}

export async function run({ values, io }: CliArgs): Promise<number> {
  const xTrain = inputFile('x-train', str(values['x-train']), USAGE_LINE, INPUTS)
  const yTrain = inputFile('y-train', str(values['y-train']), USAGE_LINE, INPUTS)
  const xTest = inputFile('x-test', str(values['x-test']), USAGE_LINE, INPUTS)
  const yTest = str(values['y-test']) !== undefined ? inputFile('y-test', str(values['y-test']), USAGE_LINE, INPUTS) : undefined
  const { arch, kind: kindText } = await selfDistillArchFlags.parseKernelArch(values, xTrain)
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
    arch,
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
}
