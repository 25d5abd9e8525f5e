import path from 'node:path'
import { UserError } from '../../../shared/errors'
import { importModel } from '../../engine/models/import'
import { writeModelFolder, type ModelFiles } from '../../engine/models/format'
import { importOnnx } from '../../engine/onnx/import'
import { writeOnnxFolder } from '../../engine/onnx/write'
import { readAnyModelFolder } from '../../engine/quantize/read-any-model'
import { initBackend } from '../../engine/runtime/backend'
import { ModelStore } from '../../engine/store/models'
import { openOrCreateProject, openProject } from '../../engine/store/project-db'
import type { CliArgs } from '../command'
import { oneOf, str } from '../flags'

import { MODEL_USAGE as USAGE } from '../commands/model'

export async function run({ values, positionals, io }: CliArgs): Promise<number> {
  const [sub, arg] = positionals
  const projectPath = str(values.project)
  if (!sub || !['import', 'export', 'list'].includes(sub)) throw new UserError('usage', sub ? `unknown subcommand '${sub}'` : 'expected a subcommand', USAGE)
  if (sub === 'export') return exportModel(arg, projectPath, values, io)
  if (!projectPath) throw new UserError('usage', '--project P is required', USAGE)
  if (sub === 'import') {
    if (!arg) throw new UserError('usage', 'ntkw model import needs the model folder, model.json or .onnx file', USAGE)
    await initBackend()
    const p = path.resolve(arg)
    // converted and checked completely before the project is opened: a refused file stores nothing
    const stored = path.extname(p).toLowerCase() === '.onnx' ? await importOnnx(p, str(values.name)) : await importModel(p, str(values.name))
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
  } finally {
    project.close()
  }
}

function exportModel(arg: string | undefined, projectPath: string | undefined, values: Record<string, unknown>, io: { out(s: string): void }): number {
  if (!arg) throw new UserError('usage', projectPath ? 'ntkw model export needs a model id or name' : 'ntkw model export needs a model.json path (or a model id or name with --project P)', USAGE)
  const out = str(values.out)
  if (!out) throw new UserError('usage', '--out DIR is required', USAGE)
  const format = oneOf('format', str(values.format), ['tfjs', 'onnx'] as const, 'tfjs')
  let files: ModelFiles
  let name: string
  if (projectPath) {
    const project = openProject(path.resolve(projectPath))
    try {
      const store = new ModelStore(project.db)
      const id = store.resolve(arg)
      files = store.files(id) as unknown as ModelFiles
      name = store.summary(id).name
    } finally {
      project.close()
    }
  } else {
    files = readAnyModelFolder(path.resolve(arg)).files
    const abs = path.resolve(arg)
    name = path.basename(path.extname(abs).toLowerCase() === '.json' ? path.dirname(abs) : abs)
  }
  const file = format === 'onnx' ? writeOnnxFolder(path.resolve(out), files, { name, source: arg }).file : writeModelFolder(path.resolve(out), files)
  io.out(`${file}\n`)
  return 0
}
