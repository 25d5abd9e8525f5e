import type { CliCommand } from '../command'

export const MODEL_USAGE = `Usage: ntkw model import PATH --project P [--name NAME]
       ntkw model export MODEL [--project P] [--format tfjs|onnx] --out DIR
       ntkw model list --project P [--json]`

export const modelCommand: CliCommand = {
  name: 'model',
  summary: 'keep TF.js Layers models in a project: import a model folder or .onnx file, export to TF.js or ONNX, list them',
  usage: `${MODEL_USAGE}

  import PATH             store a model in the project; prints its id. PATH is a TF.js Layers model (a folder
                          with model.json and its .bin shards, or the model.json) or an ONNX classifier (.onnx,
                          as torch.onnx.export writes it: Gemm/MatMul+Add, Conv, Relu, Gelu (Erf pattern),
                          Sigmoid, Tanh, MaxPool, AveragePool, GlobalAveragePool, Flatten/Reshape,
                          BatchNormalization (folded into the Conv/Gemm before it), Dropout (dropped), a final
                          Softmax (dropped: project models output logits)). An ONNX image model's NCHW input
                          becomes the NHWC input [h, w, c] of TF.js. Any other op is refused, naming it and its
                          node, before anything is stored. Keras .h5/.keras files must be converted first:
                          tensorflowjs_converter --input_format=keras MODEL.h5 OUT_DIR
  export MODEL            write the model: with --project, MODEL is a project model (id, id prefix or name);
                          without, MODEL is a model.json path (or its folder). Prints the written file.
                          --format tfjs (default): DIR/model.json + DIR/weights.bin; stock tf.loadLayersModel
                          loads it. --format onnx: DIR/model.onnx (opset 13, IR 7, float32 logits); image
                          models keep the TF.js NHWC input layout [N, h, w, c] (stated in the graph's
                          doc_string); Dense becomes Gemm (transB = 1), Conv2D becomes NCHW Conv.
  list                    the project's models: id, name, parameters, weight bytes, accuracy, source

Options:
  --project P             the .ntkw project (import creates it if missing; export without it reads a model.json)
  --name NAME             name of the imported model (default: its folder or file name)
  --format F              export format: tfjs (default) or onnx
  --out DIR               export folder (created if missing)
  --json                  list as JSON
`,
  positionals: true,
  options: { project: { type: 'string' }, name: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' }, format: { type: 'string' } },
  choices: { format: ['tfjs', 'onnx'] },
  load: () => import('../actions/model'),
}
