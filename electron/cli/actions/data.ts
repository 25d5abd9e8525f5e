import path from 'node:path'
import { randomUUID } from 'node:crypto'
import type { CliArgs } from '../command'
import type { DataFormat, DatasetSummary, ImportOptionsInput, RecipeInput } from '../../../shared/dataset'
import type { JobSpecInput } from '../../../shared/index'
import { UserError } from '../../../shared/errors'
import { formatInspect, inspectFile } from '../../engine/data/inspect'
import { DEFAULT_SPLIT } from '../../engine/data/default-recipe'
import { DATA_VOCAB } from '../commands/data'

// `data inspect` must start fast and never load tfjs or SQLite: the job machinery and the project store
// are imported by the subcommands that use them.
const importJob = () =>
  Promise.all([import('../../engine/jobs/execute'), import('../../engine/jobs/dir-sink'), import('../../engine/jobs/data-resolver'), import('../progress')])
const projectStore = () => Promise.all([import('../../engine/store/project-db'), import('../../engine/data/dataset-store'), import('../../engine/data/default-recipe')])

type Values = Record<string, string | boolean | (string | boolean)[] | undefined>

const str = (v: Values[string]): string | undefined => (typeof v === 'string' ? v : undefined)
const list = (v: Values[string]): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : [])

function numbers(flag: string, text: string, count: [number, number]): number[] {
  const parts = text.split(',').map((s) => Number(s.trim()))
  if (parts.length < count[0] || parts.length > count[1] || parts.some((p) => !Number.isFinite(p))) {
    throw new UserError('usage', `--${flag} ${text}: expected ${count[0] === count[1] ? count[0] : `${count[0]}–${count[1]}`} comma-separated numbers`)
  }
  return parts
}

function importOptions(v: Values): ImportOptionsInput {
  const o: ImportOptionsInput = {}
  if (str(v.name)) o.name = str(v.name)!
  if (str(v.label)) o.label = str(v.label)!
  if (str(v.task)) o.task = str(v.task) as ImportOptionsInput['task']
  if (str(v.delimiter)) o.delimiter = str(v.delimiter) === '\\t' || str(v.delimiter) === 'tab' ? '\t' : str(v.delimiter)!
  if (v.header !== undefined) o.header = v.header === true || ['yes', 'true', '1'].includes(String(v.header))
  if (v['no-header']) o.header = false
  if (str(v.categorical)) o.categorical = str(v.categorical) as ImportOptionsInput['categorical']
  if (list(v['categorical-column']).length) o.categoricalColumns = list(v['categorical-column'])
  if (list(v.drop).length) o.drop = list(v.drop)
  if (str(v.missing)) o.missing = str(v.missing) as ImportOptionsInput['missing']
  if (str(v['x-key'])) o.xKey = str(v['x-key'])!
  if (str(v['y-key'])) o.yKey = str(v['y-key'])!
  if (str(v.size)) {
    const s = numbers('size', str(v.size)!, [1, 2])
    o.size = [s[0]!, s[1] ?? s[0]!]
  }
  if (str(v.color)) o.color = str(v.color) as ImportOptionsInput['color']
  if (str(v['max-bytes'])) o.maxBytes = Number(str(v['max-bytes']))
  return o
}

function recipeOptions(v: Values): RecipeInput | undefined {
  const r: RecipeInput = {}
  const seed = str(v.seed) !== undefined ? Number(str(v.seed)) : 0
  if (str(v.split)) {
    const [train, validation] = numbers('split', str(v.split)!, [1, 2])
    r.split = { train: train!, validation: validation ?? 0, seed, stratified: !v['no-stratify'] }
  } else if (str(v.seed) !== undefined || v['no-stratify']) {
    r.split = { ...DEFAULT_SPLIT, seed, stratified: !v['no-stratify'] }
  }
  if (str(v.subset)) r.subset = { perClass: Number(str(v.subset)), seed }
  if (str(v.scale)) r.scale = str(v.scale) as RecipeInput['scale']
  if (v.l2) r.l2Normalize = true
  if (str(v.labels)) r.labels = str(v.labels) as RecipeInput['labels']
  return Object.keys(r).length ? r : undefined
}

function formatOf(v: Values): DataFormat | 'auto' {
  const f = str(v.format) ?? 'auto'
  if (f !== 'auto' && !(DATA_VOCAB.formats as readonly string[]).includes(f)) throw new UserError('usage', `--format ${f}: unknown format`, `Formats: ${DATA_VOCAB.formats.join(', ')}.`)
  return f as DataFormat | 'auto'
}

const resolveInput = (p: string): string => (p.startsWith('example:') ? p : path.resolve(p))

export async function run({ values, positionals, io }: CliArgs): Promise<number> {
  const [sub, file, ...extra] = positionals
  const needFile = (): string => {
    if (!file || extra.length) throw new UserError('usage', `ntkw data ${sub} needs exactly one FILE`, `Usage: ntkw data ${sub} FILE ...`)
    return resolveInput(file)
  }
  switch (sub) {
    case 'inspect': {
      const report = await inspectFile(needFile(), formatOf(values), importOptions(values))
      io.out(values.json ? JSON.stringify(report, null, 2) + '\n' : formatInspect(report))
      return report.ok ? 0 : 1
    }
    case 'import': {
      const input = needFile()
      const project = str(values.project)
      const out = str(values.out)
      if (!project && !out) throw new UserError('usage', 'ntkw data import needs --project P.ntkw (store in a project) or --out DIR (write .npy files)')
      const recipe = recipeOptions(values)
      const spec: JobSpecInput = {
        kind: 'dataset-import',
        path: input,
        format: formatOf(values),
        options: importOptions(values),
        ...(recipe ? { recipe } : {}),
        ...(project ? { project: path.resolve(project) } : {}),
      }
      const [{ executeJob }, { DirArtifactSink }, { createDataResolver }, { progressReporter }] = await importJob()
      const [{ openProject }, { getDatasetPreview }, { describeRecipe }] = await projectStore()
      const sink = new DirArtifactSink(out ?? process.cwd())
      const bar = progressReporter(io, 'import', { quiet: Boolean(values.quiet) })
      const outcome = await executeJob(spec, { runId: randomUUID(), signal: new AbortController().signal, emit: (e) => bar.onEvent(e), artifacts: sink, data: createDataResolver() })
      bar.end()
      if (outcome.state !== 'succeeded') {
        if (outcome.state === 'cancelled') return 130
        throw new UserError('import_failed', outcome.error, outcome.hint)
      }
      io.out(JSON.stringify(outcome.result, null, 2) + '\n')
      for (const a of sink.written) if (a.path) io.err(`wrote ${a.path}\n`)
      if (project) {
        io.err(`stored in ${path.resolve(project)}\n`)
        const stored = outcome.result as DatasetSummary
        const p = openProject(path.resolve(project))
        try {
          const { splitCounts, summary } = getDatasetPreview(p.db, stored.id, { limit: 0 })
          const how = recipe ? 'recipe (defaults under your recipe options)' : 'recipe (default; change it with --split/--scale/... or on the Datasets page)'
          io.err(`${how}:\n${describeRecipe(summary.recipe, splitCounts).map((l) => `  ${l}\n`).join('')}`)
        } finally {
          p.close()
        }
      }
      return 0
    }
    case 'list': {
      const project = str(values.project)
      if (!project) throw new UserError('usage', 'ntkw data list needs --project P.ntkw')
      const [{ openProject }, { listDatasets }] = await projectStore()
      const p = openProject(path.resolve(project))
      try {
        const all = listDatasets(p.db)
        if (values.json) io.out(JSON.stringify(all, null, 2) + '\n')
        else for (const d of all) io.out(`${d.id}  ${d.name}  ${d.format}  ${d.xShape.join('×')}  ${d.task}${d.classes ? ` (${d.classes} classes)` : ''}\n`)
        return 0
      } finally {
        p.close()
      }
    }
    case 'examples':
      for (const [k, d] of Object.entries(DATA_VOCAB.examples)) io.out(`example:${k.padEnd(8)} ${d}\n`)
      return 0
    default:
      throw new UserError('usage', sub ? `unknown data subcommand '${sub}'` : 'missing data subcommand', 'Subcommands: inspect, import, list, examples (ntkw data --help).')
  }
}
