import { readFileSync } from 'node:fs'
import path from 'node:path'
import type { JobSpecInput } from '../../../shared/index'
import { UserError } from '../../../shared/errors'
import type { LrSchedule } from '../../../shared/models'
import { DirArtifactSink } from '../../engine/jobs/dir-sink'
import { DirModelSink } from '../../engine/jobs/dir-model-sink'
import { parseArch } from '../../engine/models/build'
import { openOrCreateProject } from '../../engine/store/project-db'
import { ProjectModelSink } from '../../engine/store/models'
import type { ModelSink, StoredModel } from '../../engine/core/job'
import { parseNpyHeader } from '../../engine/io/npy'
import { initBackend } from '../../engine/runtime/backend'
import { BackendChoice } from '../../../shared/backend'
import type { CliArgs } from '../command'
import { inputFile, int, number, oneOf, str } from '../flags'
import { runJobForCli } from '../job-runner'

const USAGE_LINE = 'Usage: ntkw train --x X.npy --y Y.npy (--layers 256,256 | --arch ARCH.json) --out DIR [...]'

function npyShape(file: string): number[] {
  const fd = readFileSync(file)
  return parseNpyHeader(new Uint8Array(fd.buffer, fd.byteOffset, Math.min(fd.byteLength, 65536)), path.basename(file)).shape
}

function parseSchedule(v: string | undefined, epochs: number): LrSchedule {
  if (!v || v === 'constant') return { type: 'constant' }
  if (v === 'cosine') return { type: 'cosine', minLr: 0 }
  const m = /^step:(\d+)(?::([0-9.eE+-]+))?$/.exec(v)
  if (m) return { type: 'step', every: Math.max(1, Math.min(epochs, Number(m[1]))), gamma: m[2] ? Number(m[2]) : 0.1 }
  throw new UserError('bad_flag', `--schedule ${v}: expected constant, cosine or step:EVERY[:GAMMA]`, 'e.g. --schedule step:5:0.5 (halve the rate every 5 epochs)')
}

function loadArch(file: string): { network?: unknown; topology?: Record<string, unknown> } {
  let json: unknown
  try {
    json = JSON.parse(readFileSync(file, 'utf8'))
  } catch (e) {
    throw new UserError('bad_arch', `${path.basename(file)} is not valid JSON: ${(e as Error).message}`, 'See `ntkw train --help` for the ARCH.json format.')
  }
  const o = json as Record<string, unknown>
  if (o && typeof o === 'object' && ('modelTopology' in o || 'class_name' in o)) return { topology: (o.modelTopology ?? o) as Record<string, unknown> }
  return { network: parseArch(json, path.basename(file)) }
}

/** Saves each model into every sink (a folder and, with --project, the project). */
function both(sinks: ModelSink[]): ModelSink {
  return {
    save(m: StoredModel) {
      const r = sinks.map((s) => s.save(m))
      return { id: r[r.length - 1]!.id, path: r.find((x) => x.path)?.path }
    },
    load: (id) => sinks[0]!.load(id),
    setEvaluation: (id, e) => sinks.forEach((s) => s.setEvaluation(id, e)),
  }
}

export async function run({ values, io }: CliArgs): Promise<number> {
  const x = inputFile('x', str(values.x), USAGE_LINE)
  const y = inputFile('y', str(values.y), USAGE_LINE, 'labels are .npy integer class ids or one-hot rows')
  const xVal = str(values['x-val']) ? inputFile('x-val', str(values['x-val']), USAGE_LINE) : undefined
  const yVal = str(values['y-val']) ? inputFile('y-val', str(values['y-val']), USAGE_LINE) : undefined
  if (Boolean(xVal) !== Boolean(yVal)) throw new UserError('usage', '--x-val and --y-val go together', USAGE_LINE)
  const out = str(values.out)
  if (!out) throw new UserError('usage', '--out DIR is required (the folder for model.json and its weights)', USAGE_LINE)
  const layersFlag = str(values.layers)
  const archFlag = str(values.arch)
  if (Boolean(layersFlag) === Boolean(archFlag)) throw new UserError('usage', 'give exactly one of --layers (an MLP) or --arch ARCH.json', USAGE_LINE)
  let net: { network?: unknown; topology?: Record<string, unknown> }
  if (layersFlag) {
    const sizes = layersFlag.split(',').map((s) => Number(s.trim()))
    if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 65536)) throw new UserError('bad_flag', `--layers ${layersFlag}: expected hidden sizes like 256,256`, 'e.g. --layers 256,256 (two hidden layers of 256 units)')
    const activation = str(values.activation) ?? 'relu'
    net = { network: parseArch({ layers: sizes.map((units) => ({ type: 'dense', units, activation })) }, '--layers') }
  } else {
    if (str(values.activation)) throw new UserError('usage', '--activation applies to --layers; put activations in ARCH.json', USAGE_LINE)
    net = loadArch(inputFile('arch', archFlag, USAGE_LINE, 'ARCH.json describes the network (see ntkw train --help)'))
  }
  const epochs = number('epochs', str(values.epochs), int(1, 100_000), 'an integer ≥ 1', '15') ?? 15
  const batch = number('batch', str(values.batch), int(1, 1 << 20), 'an integer ≥ 1', '128') ?? 128
  const optimizer = oneOf('optimizer', str(values.optimizer), ['adam', 'sgd', 'momentum'] as const, 'adam')
  const lr = number('lr', str(values.lr), (v) => v > 0, 'a positive number', '1e-3')
  const momentum = number('momentum', str(values.momentum), (v) => v >= 0 && v < 1, 'a number in [0, 1)', '0.9')
  const weightDecay = number('weight-decay', str(values['weight-decay']), (v) => v >= 0 && v <= 1, 'a number in [0, 1]', '5e-4') ?? 0
  const seed = number('seed', str(values.seed), int(0, 2 ** 31 - 1), 'an integer 0..2147483647', '0') ?? 0
  const split = number('validation-split', str(values['validation-split']), (v) => v > 0 && v < 0.9, 'a fraction in (0, 0.9)', '0.1')
  const patience = number('early-stopping', str(values['early-stopping']), int(1, 10_000), 'an integer ≥ 1', '5')
  if (patience !== undefined && !xVal && !split) throw new UserError('usage', '--early-stopping needs validation data', 'Add --x-val/--y-val or --validation-split 0.1.')
  const backend = str(values.backend)
  if (backend) await initBackend(oneOf('backend', backend, BackendChoice.options, 'wasm'))
  const shape = npyShape(x)
  const spec: JobSpecInput = {
    kind: 'train',
    seed,
    xTrain: { type: 'npy', path: x },
    yTrain: { type: 'npy', path: y },
    ...(xVal && yVal ? { xVal: { type: 'npy' as const, path: xVal }, yVal: { type: 'npy' as const, path: yVal } } : {}),
    ...(net.network ? { network: net.network as never } : { topology: net.topology }),
    epochs,
    batchSize: batch,
    optimizer,
    ...(lr !== undefined ? { learningRate: lr } : {}),
    ...(momentum !== undefined ? { momentum } : {}),
    schedule: parseSchedule(str(values.schedule), epochs),
    weightDecay,
    ...(split ? { validationSplit: split } : {}),
    ...(patience !== undefined ? { earlyStopping: { monitor: 'val_loss' as const, patience, minDelta: 0 } } : {}),
    keepBest: !values['no-keep-best'],
    saveModel: true,
    ...(str(values.name) ? { modelName: str(values.name) } : {}),
    ...(shape.length > 1 ? { inputShape: shape.slice(1) } : {}),
  }
  const dir = path.resolve(out)
  const project = str(values.project) ? openOrCreateProject(path.resolve(str(values.project)!)) : null
  try {
    const folder = new DirModelSink(dir)
    const models = project ? both([folder, new ProjectModelSink(project.db)]) : folder
    const done = await runJobForCli(io, spec, { label: 'train', quiet: Boolean(values.quiet), artifacts: new DirArtifactSink(dir), models })
    if (!done) return 130
    const r = done.result as Record<string, unknown>
    io.out(`${JSON.stringify({ ...r, modelPath: folder.saved[0] ?? null, ...(project ? { project: project.path } : {}) }, null, 2)}\n`)
    return 0
  } finally {
    project?.close()
  }
}
