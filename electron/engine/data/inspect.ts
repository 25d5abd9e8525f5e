import { errorInfo, UserError } from '../../../shared/errors'
import type { DataFormat, ImportOptionsInput } from '../../../shared/dataset'
import { isExample } from './examples'
import { loadForImport } from './import'
import { detectFormat } from './sniff'

export interface InspectReport {
  path: string
  format: DataFormat | null
  ok: boolean
  rows?: number
  shape?: number[]
  dtype?: string
  task?: 'classification' | 'regression' | 'none'
  classes?: { name: string; count: number }[]
  features?: string[]
  labelColumn?: string
  image?: { height: number; width: number; channels: number }
  summary?: { min: number; max: number; mean: number; std: number }
  bytes?: number
  notes: string[]
  problems: { code: string; message: string; hint?: string }[]
}

/** What importing the file would give, or why it cannot be imported (nothing is stored). */
export async function inspectFile(path: string, format: DataFormat | 'auto' = 'auto', options: ImportOptionsInput = {}): Promise<InspectReport> {
  let fmt: DataFormat | null = format === 'auto' ? null : format
  try {
    if (!fmt && !isExample(path)) fmt = detectFormat(path)
    const { prepared } = await loadForImport(path, fmt ?? 'auto', options)
    const s = prepared.schema
    return {
      path,
      format: prepared.format,
      ok: true,
      rows: s.rows,
      shape: s.x.shape,
      dtype: s.x.dtype === 'u1' ? (s.x.scale === 1 ? 'uint8' : `uint8 × ${s.x.scale.toPrecision(6)}`) : 'float32',
      task: s.task,
      ...(s.classNames ? { classes: s.classNames.map((name, i) => ({ name, count: s.classCounts?.[i] ?? 0 })) } : {}),
      ...(s.featureNames ? { features: s.featureNames } : {}),
      ...(s.labelColumn ? { labelColumn: s.labelColumn } : {}),
      ...(s.image ? { image: s.image } : {}),
      summary: s.summary,
      bytes: s.bytes,
      notes: s.notes,
      problems: [],
    }
  } catch (e) {
    if (!(e instanceof UserError)) throw e
    return { path, format: fmt, ok: false, notes: [], problems: [errorInfo(e)] }
  }
}

/** The report as text for a terminal. */
export function formatInspect(r: InspectReport): string {
  const lines = [`${r.path}`, `  format:   ${r.format ?? 'unknown'}`]
  if (r.ok) {
    lines.push(`  rows:     ${r.rows}`, `  shape:    ${r.shape!.join(' × ')} (${r.dtype})`)
    if (r.image) lines.push(`  image:    ${r.image.height}×${r.image.width}, ${r.image.channels === 1 ? 'grayscale' : `${r.image.channels} channels`}`)
    if (r.features) lines.push(`  features: ${r.features.length <= 12 ? r.features.join(', ') : `${r.features.slice(0, 12).join(', ')}, … (${r.features.length})`}`)
    if (r.labelColumn) lines.push(`  labels:   ${r.labelColumn}`)
    lines.push(`  task:     ${r.task}`)
    if (r.classes) lines.push(`  classes:  ${r.classes.length}: ${r.classes.slice(0, 20).map((c) => `${c.name} (${c.count})`).join(', ')}${r.classes.length > 20 ? ', …' : ''}`)
    const s = r.summary!
    lines.push(`  values:   min ${s.min.toPrecision(4)}, max ${s.max.toPrecision(4)}, mean ${s.mean.toPrecision(4)}, std ${s.std.toPrecision(4)}`)
    lines.push(`  memory:   ${(r.bytes! / 1024 ** 2).toFixed(2)} MiB stored`)
    for (const n of r.notes) lines.push(`  note:     ${n}`)
    lines.push('  problems: none')
  } else {
    for (const p of r.problems) {
      lines.push(`  problem:  ${p.message}`)
      if (p.hint) lines.push(`  fix:      ${p.hint}`)
    }
  }
  return lines.join('\n') + '\n'
}
