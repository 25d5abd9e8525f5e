import type { CliCommand } from '../command'

export const quantizeCommand: CliCommand = {
  name: 'quantize',
  summary: 'post-training quantization of a TF.js Layers model: stock TF.js int8/uint16/float16 or packed 2–8-bit',
  usage: `Usage: ntkw quantize --model M/model.json --bits B [--granularity tensor|channel|group:G]
                     [--scheme symmetric|affine] [--calib minmax|percentile:P|mse|kl]
                     [--method uniform|power|kmeans] [--activations BITS] [--calib-x X.npy]
                     [--bias-correction] [--format tfjs|ntkw|onnx]
                     [--qat --qat-x X.npy --qat-y Y.npy [--qat-epochs N] [--qat-lr ETA] [--qat-batch B]
                      [--qat-teacher] [--seed N]] --out DIR

Quantizes the kernels of every Dense and Conv2D layer (biases stay float32) and writes DIR/model.json:
  --format tfjs   a stock TF.js Layers model: weightsManifest entries with quantization {dtype: uint8|uint16,
                  scale, min} (x = v·scale + min) or {dtype: float16}; tf.loadLayersModel reads it. Only
                  per-tensor uniform grids at 8 or 16 bits (or float16) fit this format.
  --format ntkw   the workbench packed format (docs/quantized-format.md): bit-packed 2–8-bit codes with
                  per-tensor/channel/group scales or k-means codebooks, plus ntkw-quantized.mjs, a standalone
                  loader (needs @tensorflow/tfjs-core; with @tensorflow/tfjs-layers it rebuilds the model).
  --format onnx   DIR/model.onnx in the QDQ form ONNX Runtime's quantizer writes (docs/onnx.md): int8 weight
                  codes (symmetric, zero point 0; uint8 with zero points for --scheme affine) read by
                  DequantizeLinear, per tensor or per output channel (axis 0 of Gemm [out, in] and Conv
                  [out, in, kh, kw] weights); with --activations 8, a static uint8 QuantizeLinear →
                  DequantizeLinear pair on every Dense/Conv2D input (ranges from --calib-x) and int32 biases
                  with scale x_scale·w_scale. --bits 8, --method uniform, --granularity tensor|channel only.
                  Image models keep the TF.js NHWC input. The quantized evaluation (--eval-x) computes
                  exactly the graph's QuantizeLinear/DequantizeLinear arithmetic.
  Default: tfjs when the scheme fits it, else ntkw.

Options:
  --model M/model.json    a TF.js Layers model (ntkw train, tf.LayersModel.save, tensorflowjs_converter)
  --bits B                2..8, 16 (uniform only), or float16
  --granularity G         tensor (default), channel (one scale per output channel), group:G (G consecutive
                          input rows per output channel share a scale; G must divide the layer's rows)
  --scheme S              symmetric (default; z = 2^(b−1), levels ±(2^(b−1) − 1)) or affine (zero point)
  --calib C               range: minmax (default), percentile:P (e.g. percentile:99.9), mse (MSE-optimal
                          clipping, searched), kl (entropy, TensorRT-style histogram)
  --method M              uniform (default); power (sign(x)|x|^a before a uniform grid, a searched per layer
                          on calibration data, PowerQuant); kmeans (Lloyd–Max codebook of 2^B centroids)
  --activations BITS      also fake-quantize the input of every Dense/Conv2D layer at BITS (2..16; 8 for onnx), ranges
                          calibrated with --calib on --calib-x; recorded in model.json as ntkwActivationQuant
                          (the exported weights are the same; the evaluation includes the activation grids)
  --calib-x X.npy         calibration inputs [n, ...] (a few hundred training rows); needed by --method
                          power, --activations and --bias-correction
  --bias-correction       b' = b − (Ŵ − W)ᵀ E[x] with E[x] the layer's mean input on --calib-x
  --format F              tfjs, ntkw or onnx (see above)
  --qat                   quantization-aware training before the export (the quantize job's qat): the network
                          computes with the quantized weights of this scheme (--bits, --granularity, --scheme,
                          --calib; --method uniform or power, 2..8 bits) while float shadow weights learn through
                          the straight-through estimator; the trained grid is what DIR holds. Needs --qat-x and
                          --qat-y; not with --activations, --bias-correction or --format onnx
  --qat-x X.npy           QAT training inputs [n, ...] (the float model's training set or part of it)
  --qat-y Y.npy           ... and their labels (class ids or one-hot rows)
  --qat-epochs N          QAT epochs (default 3)
  --qat-lr ETA            Adam learning rate of QAT (default 1e-4: fine-tuning, not training)
  --qat-batch B           QAT batch size (default 128)
  --qat-teacher           distil from the float model while training: α·T²·KL + (1 − α)·CE with T = 4, α = 0.7
  --seed N                QAT's shuffling seed (default 0)
  --out DIR               output folder (created)
  --eval-x X.npy          also evaluate float and quantized model on these inputs ...
  --eval-y Y.npy          ... and labels (class ids or one-hot): accuracy, loss, confusion matrices
  --backend B             tfjs backend: auto (default), tensorflow-gpu, tensorflow, webgpu, wasm, cpu
  --quiet                 no progress on stderr
  --json                  print the whole summary document (layers, files, evaluation) as JSON on stdout
                          instead of a few lines for a reader

Prints a JSON summary on stdout: format, bits, weightBytes, floatBytes, compression (float/quantized),
per-layer choices (bits, granularity, calibration, power exponent, bytes, relative weight error) and, with
--eval-x/--eval-y, the float and quantized evaluations; with --qat, its loss per epoch and the accuracy
plain post-training quantization of the same scheme reaches.
`,
  options: {
    model: { type: 'string' },
    bits: { type: 'string' },
    granularity: { type: 'string' },
    scheme: { type: 'string' },
    calib: { type: 'string' },
    method: { type: 'string' },
    activations: { type: 'string' },
    'calib-x': { type: 'string' },
    'bias-correction': { type: 'boolean' },
    qat: { type: 'boolean' },
    'qat-x': { type: 'string' },
    'qat-y': { type: 'string' },
    'qat-epochs': { type: 'string' },
    'qat-lr': { type: 'string' },
    'qat-batch': { type: 'string' },
    'qat-teacher': { type: 'boolean' },
    seed: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
    'eval-x': { type: 'string' },
    'eval-y': { type: 'string' },
    backend: { type: 'string' },
    quiet: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  load: () => import('../actions/quantize'),
}
