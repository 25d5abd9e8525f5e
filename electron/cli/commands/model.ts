import type { CliCommand } from '../command'

export const MODEL_USAGE = `Usage: ntkw model import PATH --project P [--name NAME]
       ntkw model export MODEL --project P --out DIR
       ntkw model list --project P [--json]`

export const modelCommand: CliCommand = {
  name: 'model',
  summary: 'keep TF.js Layers models in a project: import a model folder, export one, list them',
  usage: `${MODEL_USAGE}

  import PATH             store a TF.js Layers model (a folder with model.json and its .bin shards, or the
                          model.json) in the project; prints its id. Keras .h5/.keras files must be converted
                          first: tensorflowjs_converter --input_format=keras MODEL.h5 OUT_DIR
  export MODEL            write the model (id, id prefix or name) as DIR/model.json + DIR/weights.bin; stock
                          tf.loadLayersModel loads it. Prints the model.json path.
  list                    the project's models: id, name, parameters, weight bytes, accuracy, source

Options:
  --project P             the .ntkw project (import creates it if missing)
  --name NAME             name of the imported model (default: its folder name)
  --out DIR               export folder (created if missing)
  --json                  list as JSON
`,
  positionals: true,
  options: { project: { type: 'string' }, name: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' } },
  load: () => import('../actions/model'),
}
