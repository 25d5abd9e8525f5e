// Runs seeded mutations of one valid input for the fuzz test, in a worker thread so a hang can be detected
// and stopped from outside. Posts {type:'progress', i} as it goes and {type:'done', ...} at the end.
import { mkdirSync, rmSync, writeFileSync, cpSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { parentPort, workerData } from 'node:worker_threads'
import { UserError } from '../../../shared/errors'
import { importDataset } from '../../../electron/engine/data/import'
import { loadDatasetRef } from '../../../electron/engine/data/dataset-store'
import { uniformStream } from '../../../electron/engine/core/random'
import { memDb } from './helpers'

interface Job {
  /** the file (inside `template`, a folder copied per run) whose bytes are mutated */
  template: string
  target: string
  /** what is imported: the target itself or its folder */
  importPath: 'file' | 'folder'
  format: 'auto' | 'csv' | 'npy' | 'npz' | 'idx' | 'images' | 'json' | 'jsonl'
  cases: number
  seed: number
  work: string
  text: boolean
}

const job = workerData as Job
const rand = uniformStream(job.seed)
const int = (n: number): number => Math.floor(rand() * n)
const INTERESTING = [0, 1, 0x7f, 0x80, 0xff, 0x2c, 0x22, 0x0a, 0x09, 0x3b, 0x5b, 0x7b, 0x2d, 0x2e, 0x65, 0x4e]

function mutate(src: Uint8Array): Uint8Array {
  let b = Array.from(src)
  const n = 1 + int(4)
  for (let k = 0; k < n; k++) {
    const pos = b.length ? int(b.length) : 0
    switch (int(job.text ? 8 : 7)) {
      case 0:
        if (b.length) b[pos] = b[pos]! ^ (1 << int(8))
        break
      case 1:
        if (b.length) b[pos] = INTERESTING[int(INTERESTING.length)]!
        break
      case 2:
        b = b.slice(0, pos)
        break
      case 3:
        b.splice(pos, 0, ...Array.from({ length: 1 + int(8) }, () => int(256)))
        break
      case 4:
        b.splice(pos, 1 + int(16))
        break
      case 5: {
        const len = 1 + int(32)
        b.splice(int(b.length + 1), 0, ...b.slice(pos, pos + len))
        break
      }
      case 6:
        // numbers inside headers and fields: replace a digit with another or a large one
        if (b.length) b[pos] = 0x30 + int(10)
        break
      default:
        b.splice(pos, 0, INTERESTING[int(INTERESTING.length)]!)
    }
  }
  return Uint8Array.from(b)
}

const original = new Uint8Array(readFileSync(path.join(job.template, job.target)))
const db = memDb()
let errors = 0
let valid = 0
const failures: string[] = []
// One case folder: the other files stay as copied, the target is rewritten with each mutation.
const dir = path.join(job.work, 'case')
rmSync(dir, { recursive: true, force: true })
mkdirSync(dir, { recursive: true })
cpSync(job.template, dir, { recursive: true })
const file = path.join(dir, job.target)
for (let i = 0; i < job.cases; i++) {
  writeFileSync(file, mutate(original))
  try {
    const s = await importDataset(db, job.importPath === 'file' ? file : dir, { format: job.format, options: { maxBytes: 64 * 1024 * 1024 } })
    const x = loadDatasetRef(db, { type: 'dataset', datasetId: s.id, split: 'all', field: 'x' }).matrix
    if (x.rows !== s.rows || x.rows === 0 || x.data.length !== x.rows * x.cols) throw new Error(`inconsistent dataset: ${x.rows}×${x.cols} for ${s.rows} rows`)
    for (let k = 0; k < x.data.length; k++) if (!Number.isFinite(x.data[k]!)) throw new Error('stored a non-finite value')
    if (s.task !== 'none') {
      const y = loadDatasetRef(db, { type: 'dataset', datasetId: s.id, split: 'all', field: 'y' }).matrix
      if (y.rows !== s.rows) throw new Error('labels do not match rows')
    }
    valid++
  } catch (e) {
    if (e instanceof UserError) errors++
    else failures.push(`case ${i}: ${(e as Error)?.stack ?? String(e)}`.slice(0, 600))
  }
  if (i % 50 === 0) parentPort!.postMessage({ type: 'progress', i })
}
rmSync(job.work, { recursive: true, force: true })
parentPort!.postMessage({ type: 'done', errors, valid, failures })
