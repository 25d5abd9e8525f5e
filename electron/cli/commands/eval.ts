import type { CliCommand } from '../command'

export const evalCommand: CliCommand = {
  name: 'eval',
  summary: 'evaluate a TF.js Layers classifier on NPY arrays: accuracy, loss, confusion matrix, calibration',
  usage: `Usage: ntkw eval --model DIR/model.json --x X.npy --y Y.npy [--json]

Runs the model (its outputs are taken as logits) on X and compares with the labels Y.
Prints accuracy, loss (softmax cross-entropy, natural log), n and the confusion matrix (rows: true class,
columns: predicted); --json prints one JSON object with accuracy, loss, n, per-class precision/recall,
confusion, ECE and reliability bins, parameter count, weight bytes and latency per batch.

Options:
  --model M               a model.json, or the folder holding it (with --project: a model id or name);
                          stock TF.js (quantized manifests too) or a packed export of ntkw quantize --format ntkw
  --x X.npy               inputs (n, d) or (n, h, w[, c]); reshaped to the model's input shape when sizes agree
  --y Y.npy               labels: integer class ids (int32/int64/uint8) or one-hot rows
  --json                  one JSON object on stdout
  --project P             take --model from this .ntkw project and store the evaluation with it
  --backend B             tensorflow-gpu, tensorflow, webgpu, wasm or cpu (default: the first that works)
`,
  options: {
    model: { type: 'string' },
    x: { type: 'string' },
    y: { type: 'string' },
    json: { type: 'boolean' },
    project: { type: 'string' },
    backend: { type: 'string' },
  },
  load: () => import('../actions/eval'),
}
