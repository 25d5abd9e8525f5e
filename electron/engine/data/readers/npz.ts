import { readFileSync, statSync } from 'node:fs'
import { UserError } from '../../../../shared/errors'
import { decodeNpy } from '../../io/npy'
import { checkBudget } from '../limits'
import type { ParsedDataset, ReadContext } from '../types'
import { listZip, readZipEntry, type ZipEntry } from '../zip'
import { featuresFrom, targetsFrom } from './arrays'

const X_NAMES = ['x', 'x_train', 'images', 'inputs', 'features', 'data', 'train_images', 'arr_0']
const Y_NAMES = ['y', 'y_train', 'labels', 'label', 'targets', 'target', 'train_labels', 'arr_1']

function pick(keys: string[], want: string | undefined, candidates: string[], file: string, role: string, flag: string): string | undefined {
  if (want !== undefined) {
    if (keys.includes(want)) return want
    throw new UserError('no_such_array', `${file}: no array named ${JSON.stringify(want)} for ${role}`, `Arrays in the file: ${keys.join(', ')} (${flag} NAME).`)
  }
  for (const c of candidates) {
    const k = keys.find((k) => k.toLowerCase() === c)
    if (k) return k
  }
  return undefined
}

/** Reads x (and y when present) from an .npz archive; the entries are listed and sized before inflating. */
export async function readNpzFile(path: string, ctx: ReadContext): Promise<ParsedDataset> {
  const size = statSync(path).size
  if (size === 0) throw new UserError('empty', `${ctx.name}: the file is empty`, 'Save the arrays with numpy.savez and try again.')
  checkBudget(ctx.name, size, ctx.budget)
  const buf = new Uint8Array(readFileSync(path))
  const entries = listZip(buf, ctx.name).filter((e) => !e.name.endsWith('/'))
  const byKey = new Map<string, ZipEntry>(entries.map((e) => [e.name.replace(/\.npy$/, ''), e]))
  const keys = [...byKey.keys()]
  if (keys.length === 0) throw new UserError('empty', `${ctx.name}: the archive holds no arrays`, 'Save at least an x array with numpy.savez(path, x=..., y=...).')
  let xKey = pick(keys, ctx.options.xKey, X_NAMES, ctx.name, 'the features', '--x-key')
  let yKey = pick(keys, ctx.options.yKey, Y_NAMES, ctx.name, 'the labels', '--y-key')
  if (!xKey && keys.length === 1) xKey = keys[0]
  if (!xKey && keys.length === 2 && yKey) xKey = keys.find((k) => k !== yKey)
  if (!xKey) throw new UserError('choose_arrays', `${ctx.name}: cannot tell which array holds the features among ${keys.join(', ')}`, 'Name them: --x-key NAME (and --y-key NAME for the labels).')
  if (yKey === xKey) yKey = undefined
  const x = byKey.get(xKey)!
  const y = yKey ? byKey.get(yKey) : undefined
  // Zip-bomb guard: declared sizes against the budget before inflating anything.
  const declared = x.size + (y?.size ?? 0)
  checkBudget(ctx.name, declared * 2, ctx.budget, `decompressing ${[xKey, yKey].filter(Boolean).join(' and ')}`)
  const notes = [`features from array '${xKey}'` + (yKey ? `, labels from '${yKey}'` : ', no labels array found')]
  const xa = decodeNpy(readZipEntry(buf, x, ctx.name), `${ctx.name}:${xKey}`)
  ctx.progress(0.6, 'decoded features')
  const ya = y ? decodeNpy(readZipEntry(buf, y, ctx.name), `${ctx.name}:${yKey}`) : null
  return { format: 'npz', ...featuresFrom(xa, ctx.name, notes), y: ya ? targetsFrom(ya) : null, ...(yKey ? { labelColumn: yKey } : {}), notes }
}
