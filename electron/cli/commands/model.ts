import path from 'node:path'
import { UserError } from '../../../shared/errors'
import { importModel } from '../../engine/models/import'
import { writeModelFolder, type ModelFiles } from '../../engine/models/format'
import { initBackend } from '../../engine/runtime/backend'
import { ModelStore } from '../../engine/store/models'
import { openOrCreateProject, openProject } from '../../engine/store/project-db'
import type { CliCommand } from '../command'
import { str } from '../flags'

const USAGE = `Usage: ntkw model import PATH --project P [--name NAME]
       ntkw model export MODEL --project P --out DIR
       ntkw model list --project P [--json]`

export const modelCommand: CliCommand = {
  name: 'model',
  summary: 'keep TF.js Layers models in a project: import a model folder, export one, list them',
  usage: `${USAGE}

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
  async run({ values, positionals, io }) {
    const [sub, arg] = positionals
    const projectPath = str(values.project)
    if (!sub || !['import', 'export', 'list'].includes(sub)) throw new UserError('usage', sub ? `unknown subcommand '${sub}'` : 'expected a subcommand', USAGE)
    if (!projectPath) throw new UserError('usage', '--project P is required', USAGE)
    if (sub === 'import') {
      if (!arg) throw new UserError('usage', 'ntkw model import needs the model folder or model.json', USAGE)
      await initBackend()
      const stored = await importModel(path.resolve(arg), str(values.name))
      const project = openOrCreateProject(path.resolve(projectPath))
      try {
        const s = new ModelStore(project.db).insert({ files: stored, meta: stored.meta, layers: stored.layers, histograms: stored.histograms })
        io.out(`${s.id}\n`)
      } finally {
        project.close()
      }
      return 0
    }
    const project = openProject(path.resolve(projectPath))
    try {
      const store = new ModelStore(project.db)
      if (sub === 'list') {
        const list = store.list()
        if (values.json) io.out(`${JSON.stringify(list, null, 2)}\n`)
        else if (list.length === 0) io.out('no models in this project\n')
        else {
          const rows = list.map((m) => [m.id.slice(0, 8), m.name, String(m.params), String(m.weightBytes), m.accuracy === null ? '–' : `${(m.accuracy * 100).toFixed(2)} %`, m.source.kind])
          const head = ['id', 'name', 'params', 'bytes', 'accuracy', 'source']
          const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
          for (const r of [head, ...rows]) io.out(`${r.map((c, i) => c.padEnd(w[i]!)).join('  ')}\n`)
        }
        return 0
      }
      if (!arg) throw new UserError('usage', 'ntkw model export needs a model id or name', USAGE)
      const out = str(values.out)
      if (!out) throw new UserError('usage', '--out DIR is required', USAGE)
      const file = writeModelFolder(path.resolve(out), store.files(store.resolve(arg)) as unknown as ModelFiles)
      io.out(`${file}\n`)
      return 0
    } finally {
      project.close()
    }
  },
}
