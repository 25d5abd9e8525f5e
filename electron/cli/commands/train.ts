import type { CliCommand } from '../command'

import { MODEL_ACTIVATIONS_USAGE as MODEL_ACTIVATIONS } from '../../../shared/arch/activation-names'

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
  [h, w, c] when the sizes agree. Example, a small CNN for 28×28 digits (97.75 % on 2 000 held-out MNIST
  digits after 8 000 training digits with --epochs 10 --batch 64 --lr 2e-3 --schedule cosine):
  {"input": [28, 28, 1], "layers": [
   {"type": "conv2d", "filters": 16, "padding": "same", "activation": "relu"}, {"type": "batchnorm"}, {"type": "maxpool2d"},
   {"type": "conv2d", "filters": 32, "padding": "same", "activation": "relu"}, {"type": "batchnorm"}, {"type": "maxpool2d"},
   {"type": "flatten"}, {"type": "dense", "units": 64, "activation": "relu"}, {"type": "dropout", "rate": 0.25}]}

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
  --backend B             tensorflow-gpu, tensorflow, webgpu, wasm or cpu (default: the first that works)

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
  load: () => import('../actions/train'),
}
