import path from 'node:path'
import { randomUUID } from 'node:crypto'
import type { ArtifactInfo, JobSpecInput } from '../../../shared/index'
import { UserError } from '../../../shared/errors'
import { inputFile, int, number as num, oneOf, str } from '../flags'
import { kipArchFlags } from '../commands/kip'
import type { ArtifactSink } from '../../engine/core/artifact-sink'
import type { KipJobResult } from '../../../shared/jobs/results'
import { writeNpz } from '../../engine/io/npz'
import type { CliArgs } from '../command'
import { runJobForCli } from '../job-runner'

const USAGE_LINE = 'Usage: ntkw kip --x X.npy --y Y.npy --per-class K --depth L --activation ACT --out SUPPORT.npz [...]'
const INPUTS = 'inputs are .npy arrays saved with numpy.save: points [n, d] (float32/float64), integer labels [n]'

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

export async function run({ values, io }: CliArgs): Promise<number> {
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
  const { arch, kind: kernel } = await kipArchFlags.parseKernelArch(values, x)
  const diagReg = num('diag-reg', str(values['diag-reg']), (n) => n >= 0, 'a number ≥ 0', '1e-6') ?? 1e-6
  const steps = num('steps', str(values.steps), int(0, 1_000_000), 'an integer 0..1000000', '1000') ?? 1000
  const lr = num('lr', str(values.lr), (n) => n > 0, 'a positive number', '0.01') ?? 0.01
  const batch = num('batch', str(values.batch), int(2, 100_000), 'an integer 2..100000', '1000') ?? 1000
  const init = oneOf('init', str(values.init), ['real', 'noise'] as const, 'real')
  const seed = num('seed', str(values.seed), int(0, 2 ** 31 - 1), 'an integer ≥ 0', '0') ?? 0
  const evalEvery = num('eval-every', str(values['eval-every']), int(1, 1_000_000), 'a positive integer', '50') ?? 50
  const outText = str(values.out)
  if (!outText) throw new UserError('usage', '--out is required', 'e.g. --out support.npz (holds x [K·C, d] and y [K·C, C])')
  // the support set is an NPZ archive (x and y): a .txt or .npy name would hold bytes its name misstates
  if (path.extname(outText).toLowerCase() !== '.npz') throw new UserError('usage', `--out ${outText}: the support set is written as an NPZ archive (arrays x and y)`, `Name the file with .npz, e.g. --out ${path.basename(outText, path.extname(outText)) || 'support'}.npz`)
  const out = path.resolve(outText)

  const spec: JobSpecInput = {
    kind: 'kip',
    seed,
    x: { type: 'npy', path: x },
    y: { type: 'npy', path: y },
    ...(xTest && yTest ? { xTest: { type: 'npy' as const, path: xTest }, yTest: { type: 'npy' as const, path: yTest } } : {}),
    supportPerClass: perClass,
    kernel,
    arch,
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
}
