import path from 'node:path'
import { randomUUID } from 'node:crypto'
import type { ArtifactInfo, JobSpecInput } from '../../../shared/index'
import { UserError } from '../../../shared/errors'
import { ACTIVATIONS, activationUsage } from '../../../shared/arch'
import { activationFlag, inputFile, int, number as num, oneOf, str } from '../flags'
import type { ArtifactSink } from '../../engine/core/artifact-sink'
import type { KipJobResult } from '../../engine/jobs/kinds/kip'
import { writeNpz } from '../../engine/io/npz'
import type { CliCommand } from '../command'
import { runJobForCli } from '../job-runner'

const USAGE_LINE = 'Usage: ntkw kip --x X.npy --y Y.npy --per-class K --depth L --activation ACT --out SUPPORT.npz [...]'
const INPUTS = 'inputs are .npy arrays saved with numpy.save: points [n, d] (float32/float64), integer labels [n]'
/** the activations KIP differentiates through (shared vocabulary's `differentiable`) */
const KIP_ACTIVATIONS = activationUsage(ACTIVATIONS.filter((a) => a.differentiable).map((a) => a.name))

/** Keeps the newest support snapshot and rewrites SUPPORT.npz with it (so a cancelled run keeps it too). */
class SupportNpzSink implements ArtifactSink {
  private x: { data: Float32Array | Float64Array; shape: number[] } | null = null
  writes = 0
  constructor(private readonly out: string) {}
  saveArray(name: string, data: Float32Array | Float64Array, shape: number[]): ArtifactInfo {
    if (name === 'support') this.x = { data: Float32Array.from(data), shape }
    if (name === 'support-labels' && this.x) {
      writeNpz(this.out, { x: this.x, y: { data: Float32Array.from(data), shape } })
      this.writes++
    }
    return { id: randomUUID(), name, type: 'npy', shape, bytes: data.byteLength, path: this.out }
  }
  saveJson(name: string): ArtifactInfo {
    return { id: randomUUID(), name, type: 'json', bytes: 0 }
  }
  openTiled(): never {
    throw new Error('ntkw kip writes no tiled artifacts')
  }
}

export const kipCommand: CliCommand = {
  name: 'kip',
  summary: 'dataset distillation: learn K images per class by Kernel Inducing Points (KIP) with the NTK or NNGP',
  usage: `Usage: ntkw kip --x X.npy --y Y.npy [--x-test XT.npy --y-test YT.npy] --per-class K
                [--kernel ntk|nngp] --depth L --activation ACT [--w-std S] [--b-std B] [--diag-reg R]
                [--steps N] [--lr ETA] [--batch B] [--learn-labels] [--init real|noise] [--seed N]
                --out SUPPORT.npz

Distils (X, Y) into K points per class with Kernel Inducing Points (Nguyen, Chen & Lee, "Dataset
Meta-Learning from Kernel Ridge-Regression", ICLR 2021): Adam on the support points (and, with
--learn-labels, their labels) minimising ½·mean‖y_t − K_ts (K_ss + εI)⁻¹ y_s‖² over class-balanced target
batches (X_t, y_t) drawn from X, where K is the analytic NTK or NNGP of the infinite-width network
L × (Dense → activation) → Dense, ε = R · trace(K_ss)/|s| and labels are one-hot − 1/C.

Options:
  --x X.npy           training points [n, d], float32 or float64 (standardise them first)
  --y Y.npy           integer class labels [n], 0 … C−1, every class present
  --x-test XT.npy     held-out points: kernel-regression test accuracy of the support set on stderr
  --y-test YT.npy     their integer labels (give both test flags or neither)
  --per-class K       support points per class (at most the smallest class size)
  --kernel K          ntk (default) or nngp
  --depth L           number of hidden Dense+activation pairs
  --activation A      ${KIP_ACTIVATIONS}
  --w-std S           weight standard deviation σ_w (default 1)
  --b-std B           bias standard deviation σ_b (omitted: no bias)
  --diag-reg R        relative regularisation of K_ss: ε = R · trace(K_ss)/|s| (default 1e-6)
  --steps N           Adam steps (default 1000)
  --lr ETA            Adam learning rate (default 0.01)
  --batch B           class-balanced target batch size (default 1000)
  --learn-labels      also learn the support labels
  --init I            real (default): K random training samples per class (seeded); noise: Gaussian
  --seed N            seed of the initial support set and the target batches (default 0)
  --eval-every N      test accuracy and SUPPORT.npz refreshed every N steps (default 50)
  --out SUPPORT.npz   x: float32 [K·C, d] support points (class-major: class c is rows c·K … c·K+K−1),
                      y: float32 [K·C, C] the labels kernel regression should use with them
  --quiet             no progress on stderr

SUPPORT.npz is rewritten at every evaluation, so Ctrl-C keeps the last support set. Prints its path.
`,
  options: {
    x: { type: 'string' },
    y: { type: 'string' },
    'x-test': { type: 'string' },
    'y-test': { type: 'string' },
    'per-class': { type: 'string' },
    kernel: { type: 'string' },
    depth: { type: 'string' },
    activation: { type: 'string' },
    'w-std': { type: 'string' },
    'b-std': { type: 'string' },
    'diag-reg': { type: 'string' },
    steps: { type: 'string' },
    lr: { type: 'string' },
    batch: { type: 'string' },
    'learn-labels': { type: 'boolean' },
    init: { type: 'string' },
    seed: { type: 'string' },
    'eval-every': { type: 'string' },
    out: { type: 'string' },
    quiet: { type: 'boolean' },
  },
  async run({ values, io }) {
    const x = inputFile('x', str(values.x), USAGE_LINE, INPUTS)
    const y = inputFile('y', str(values.y), USAGE_LINE, INPUTS)
    const xTestText = str(values['x-test'])
    const yTestText = str(values['y-test'])
    if ((xTestText === undefined) !== (yTestText === undefined)) {
      throw new UserError('usage', 'give both --x-test and --y-test, or neither', 'The test accuracy needs the test points and their labels.')
    }
    const xTest = xTestText !== undefined ? inputFile('x-test', xTestText, USAGE_LINE, INPUTS) : undefined
    const yTest = yTestText !== undefined ? inputFile('y-test', yTestText, USAGE_LINE, INPUTS) : undefined
    const perClass = num('per-class', str(values['per-class']), int(1, 1000), 'an integer 1..1000', '10')
    if (perClass === undefined) throw new UserError('usage', '--per-class is required', 'e.g. --per-class 10 (ten support points per class)')
    const depth = num('depth', str(values.depth), int(0, 64), 'an integer 0..64', '3')
    if (depth === undefined) throw new UserError('usage', '--depth is required', 'e.g. --depth 3 (three hidden Dense+activation pairs, then the readout)')
    const activation = activationFlag(str(values.activation))
    const wStd = num('w-std', str(values['w-std']), (n) => n > 0, 'a positive number', '1.414') ?? 1
    const bStd = num('b-std', str(values['b-std']), (n) => n >= 0, 'a number ≥ 0', '0.1') ?? null
    const kernel = oneOf('kernel', str(values.kernel), ['ntk', 'nngp'] as const, 'ntk')
    const diagReg = num('diag-reg', str(values['diag-reg']), (n) => n >= 0, 'a number ≥ 0', '1e-6') ?? 1e-6
    const steps = num('steps', str(values.steps), int(0, 1_000_000), 'an integer 0..1000000', '1000') ?? 1000
    const lr = num('lr', str(values.lr), (n) => n > 0, 'a positive number', '0.01') ?? 0.01
    const batch = num('batch', str(values.batch), int(2, 100_000), 'an integer 2..100000', '1000') ?? 1000
    const init = oneOf('init', str(values.init), ['real', 'noise'] as const, 'real')
    const seed = num('seed', str(values.seed), int(0, 2 ** 31 - 1), 'an integer ≥ 0', '0') ?? 0
    const evalEvery = num('eval-every', str(values['eval-every']), int(1, 1_000_000), 'a positive integer', '50') ?? 50
    const outText = str(values.out)
    if (!outText) throw new UserError('usage', '--out is required', 'e.g. --out support.npz (holds x [K·C, d] and y [K·C, C])')
    const out = path.resolve(outText)

    const spec: JobSpecInput = {
      kind: 'kip',
      seed,
      x: { type: 'npy', path: x },
      y: { type: 'npy', path: y },
      ...(xTest && yTest ? { xTest: { type: 'npy' as const, path: xTest }, yTest: { type: 'npy' as const, path: yTest } } : {}),
      supportPerClass: perClass,
      kernel,
      arch: { depth, activation, wStd, bStd },
      diagReg,
      steps,
      learningRate: lr,
      batchSize: batch,
      learnLabels: Boolean(values['learn-labels']),
      init,
      evalEvery,
    }
    const sink = new SupportNpzSink(out)
    const t0 = Date.now()
    const done = await runJobForCli(io, spec, {
      label: `kip ${perClass}/class ${kernel}`,
      quiet: Boolean(values.quiet),
      artifacts: sink,
      onEvent: (e) => {
        if (e.type === 'metric' && e.name === 'test_accuracy') io.err(`step ${e.step}: test accuracy ${(e.value * 100).toFixed(2)}% (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`)
      },
    })
    if (!done) {
      if (sink.writes > 0) io.err(`kept the last support set in ${out}\n`)
      return 130
    }
    const r = done.result as KipJobResult
    io.err(
      `${r.stepsDone} steps, ${(r.secondsPerStep * 1000).toFixed(1)} ms/step, final loss ${r.finalLoss?.toPrecision(4) ?? '-'}` +
        (r.finalAccuracy !== null ? `, test accuracy ${((r.initialAccuracy ?? 0) * 100).toFixed(2)}% → ${(r.finalAccuracy * 100).toFixed(2)}%` : '') +
        '\n',
    )
    io.out(`${out}\n`)
    return 0
  },
}
