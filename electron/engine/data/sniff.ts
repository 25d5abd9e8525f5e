import { closeSync, openSync, readSync, statSync } from 'node:fs'
import { basename, extname } from 'node:path'
import type { DataFormat } from '../../../shared/dataset'
import { UserError } from '../../../shared/errors'

const BY_EXT: Record<string, DataFormat> = {
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.tab': 'tsv',
  '.npy': 'npy',
  '.npz': 'npz',
  '.json': 'json',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.idx': 'idx',
}

/** The format of a path: a folder is an image folder; files go by extension, then by their first bytes. */
export function detectFormat(path: string): DataFormat {
  let st
  try {
    st = statSync(path)
  } catch {
    throw new UserError('file_not_found', `${path} does not exist`, 'Check the path (relative paths are taken from the current folder).')
  }
  if (st.isDirectory()) return 'images'
  const name = basename(path).toLowerCase()
  if (/(idx\d|-ubyte)(\.gz)?$/.test(name)) return 'idx'
  const ext = extname(name.replace(/\.gz$/, ''))
  const byExt = BY_EXT[ext]
  if (byExt) return byExt
  const head = new Uint8Array(Math.min(64, st.size))
  const fd = openSync(path, 'r')
  try {
    readSync(fd, head, 0, head.length, 0)
  } finally {
    closeSync(fd)
  }
  if (head[0] === 0x93 && head[1] === 0x4e) return 'npy'
  if (head[0] === 0x50 && head[1] === 0x4b) return 'npz'
  if (head[0] === 0 && head[1] === 0 && [0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e].includes(head[2] ?? -1)) return 'idx'
  const text = new TextDecoder().decode(head).trimStart()
  if (text.startsWith('[') || text.startsWith('{')) return text.startsWith('{') && /\}\s*\n\s*\{/.test(new TextDecoder().decode(head)) ? 'jsonl' : 'json'
  if (head.includes(0)) {
    throw new UserError('unknown_format', `${basename(path)}: cannot tell the file format (binary data, extension '${ext}')`, 'Supported: CSV/TSV, NPY, NPZ, IDX (MNIST ubyte, .gz), JSON/JSON Lines, or a folder of images; pass --format to choose one.')
  }
  return 'csv'
}
