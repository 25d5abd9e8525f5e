import { readFileSync } from 'node:fs'
import path from 'node:path'
import type { JobSpecInput } from '../../../shared/index'
import { UserError } from '../../../shared/errors'
import type { LrSchedule } from '../../../shared/models'
import { DirArtifactSink } from '../../engine/jobs/dir-sink'
import { DirModelSink } from '../../engine/jobs/dir-model-sink'
import { MODEL_ACTIVATIONS } from '../../engine/models/activations'
import { parseArch } from '../../engine/models/build'
import { openOrCreateProject } from '../../engine/store/project-db'
import { ProjectModelSink } from '../../engine/store/models'
import type { ModelSink, StoredModel } from '../../engine/core/job'
import { parseNpyHeader } from '../../engine/io/npy'
import { initBackend } from '../../engine/runtime/backend'
import type { BackendChoice } from '../../../shared/backend'
import type { CliCommand } from '../command'
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

export const trainCommand: CliCommand = {
  name: 'train',
  summary: 'train an MLP or a small CNN on NPY arrays; writes a TF.js Layers model (model.json + weights)',
  usage: `Usage: ntkw train --x X.npy --y Y.npy [--x-val XV.npy --y-val YV.npy] (--layers 256,256 [--activation relu]
                  | --arch ARCH.json) [--epochs 15] [--batch 128] [--lr 1e-3] [--optimizer adam|sgd|momentum]
                  [--weight-decay W] [--seed N] --out DIR

Trains a classifier with softmax cross-entropy and writes DIR/model.json + DIR/weights.bin (TF.js Layers
format: stock tf.loadLayersModel loads it; its output is the logits) and DIR/history.json. Prints a JSON
summary (epochs, best epoch, final losses and accuracies, samples/s, model path) on stdout.

Data:
  --x X.npy               inputs, shape (n, d) or images (n, h, w) / (n, h, w, c), float or integer
  --y Y.npy               labels: integer class ids (n) or (n, 1) (int32/int64/uint8), or one-hot rows (n, K)
  --x-val XV.npy          validation inputs (with --y-val): per-epoch val loss/accuracy, best checkpoint
  --y-val YV.npy          validation labels
  --validation-split F    without --x-val: hold out this fraction of the training rows (seeded), e.g. 0.1

Network (one of):
  --layers 256,256        an MLP: one Dense layer + activation per size, then a Dense readout (one unit per class)
  --activation A          activation of the hidden layers (default relu): ${MODEL_ACTIVATIONS}
  --arch ARCH.json        a network description (below), or a TF.js model.json / its modelTopology (trained from
                          fresh seeded weights)

ARCH.json: {"input": [h, w, c] (optional: taken from X), "layers": [...], "readout": true}; layers are
  {"type": "dense", "units": 128, "activation": "relu"}
  {"type": "conv2d", "filters": 32, "kernel": 3, "stride": 1, "padding": "valid"|"same", "activation": "relu"}
  {"type": "maxpool2d", "pool": 2}        {"type": "avgpool2d", "pool": 2}        {"type": "flatten"}
  {"type": "dropout", "rate": 0.25}       {"type": "batchnorm"}                   {"type": "relu"}
  {"type": "activation", "activation": "gelu"}
  "readout": true (default) appends a Dense layer with one unit per class. 2-D inputs (n, d) are reshaped to
  [h, w, c] when the sizes agree. Example, a small CNN for 28×28 digits:
  {"input": [28, 28, 1], "layers": [{"type": "conv2d", "filters": 16, "activation": "relu"}, {"type": "maxpool2d"},
   {"type": "conv2d", "filters": 32, "activation": "relu"}, {"type": "maxpool2d"}, {"type": "flatten"},
   {"type": "dense", "units": 64, "activation": "relu"}]}

Training:
  --epochs N              passes over the training rows (default 15)
  --batch B               minibatch size (default 128)
  --lr ETA                learning rate (default 1e-3 for adam, 0.01 for sgd/momentum)
  --optimizer O           adam (default), sgd, or momentum
  --momentum M            momentum coefficient (default 0.9)
  --schedule S            constant (default), cosine, or step:EVERY[:GAMMA] (multiply by GAMMA every EVERY epochs)
  --weight-decay W        decoupled weight decay of the kernels, w ← w − η·W·w per step (default 0)
  --early-stopping P      stop after P epochs without a better validation loss (needs validation data)
  --no-keep-best          keep the last epoch's weights instead of the best one
  --seed N                seed of the weights and of the shuffling (default 0)
  --backend B             tensorflow-gpu, tensorflow, wasm or cpu (default: the first that works)

Output:
  --out DIR               folder for model.json, weights.bin and history.json (created if missing)
  --project P             also keep the model in this .ntkw project (created if missing)
  --name NAME             model name (default: MLP/CNN and the date)
  --quiet                 no progress on stderr
`,
  options: {
    x: { type: 'string' },
    y: { type: 'string' },
    'x-val': { type: 'string' },
    'y-val': { type: 'string' },
    'validation-split': { type: 'string' },
    layers: { type: 'string' },
    activation: { type: 'string' },
    arch: { type: 'string' },
    epochs: { type: 'string' },
    batch: { type: 'string' },
    lr: { type: 'string' },
    optimizer: { type: 'string' },
    momentum: { type: 'string' },
    schedule: { type: 'string' },
    'weight-decay': { type: 'string' },
    'early-stopping': { type: 'string' },
    'no-keep-best': { type: 'boolean' },
    seed: { type: 'string' },
    backend: { type: 'string' },
    out: { type: 'string' },
    project: { type: 'string' },
    name: { type: 'string' },
    quiet: { type: 'boolean' },
  },
  async run({ values, io }) {
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
    if (backend) await initBackend(oneOf('backend', backend, ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const, 'cpu') as BackendChoice)
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
  },
}
