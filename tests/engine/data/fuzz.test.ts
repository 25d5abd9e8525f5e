import { existsSync, mkdtempSync, mkdirSync, cpSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Worker } from 'node:worker_threads'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { fx } from './helpers'

// Seeded mutations (bit flips, interesting bytes, truncation, insertion, deletion, duplication) of a valid
// file of each format: every case must end in a UserError or a valid, finite dataset — never another
// exception, a crash or a hang. Each format runs in a worker thread watched from here: if it reports no
// progress for HANG_MS, it is stopped and the test fails with the case it was on.
const CASES = 1000
const HANG_MS = 20_000
const workerFile = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fuzz-worker.ts')
const root = mkdtempSync(path.join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'ntkw-fuzz-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** a template folder holding `files` (copied from fixtures) */
function template(name: string, files: [string, string][]): string {
  const dir = path.join(root, 'tpl', name)
  for (const [from, to] of files) {
    mkdirSync(path.dirname(path.join(dir, to)), { recursive: true })
    cpSync(from, path.join(dir, to))
  }
  return dir
}

const FORMATS: { name: string; files: [string, string][]; target: string; importPath: 'file' | 'folder'; format: string; text: boolean }[] = [
  { name: 'csv', files: [[fx('csv', 'mixed.csv'), 'd.csv']], target: 'd.csv', importPath: 'file', format: 'csv', text: true },
  { name: 'tsv-noheader', files: [[fx('csv', 'semicolon_noheader.csv'), 'd.csv']], target: 'd.csv', importPath: 'file', format: 'auto', text: true },
  { name: 'npy', files: [[fx('npy', 'float_f4_le.npy'), 'd.npy']], target: 'd.npy', importPath: 'file', format: 'npy', text: false },
  { name: 'npy-fortran', files: [[fx('npy', 'rank4_fortran.npy'), 'd.npy']], target: 'd.npy', importPath: 'file', format: 'npy', text: false },
  { name: 'npz', files: [[fx('npz', 'xy_compressed.npz'), 'd.npz']], target: 'd.npz', importPath: 'file', format: 'npz', text: false },
  { name: 'npz-stored', files: [[fx('npz', 'xy.npz'), 'd.npz']], target: 'd.npz', importPath: 'file', format: 'npz', text: false },
  {
    name: 'idx',
    files: [
      [fx('idx', 'plain', 'train-images-idx3-ubyte'), 'train-images-idx3-ubyte'],
      [fx('idx', 'plain', 'train-labels-idx1-ubyte'), 'train-labels-idx1-ubyte'],
    ],
    target: 'train-images-idx3-ubyte',
    importPath: 'file',
    format: 'idx',
    text: false,
  },
  {
    name: 'idx-gz-labels',
    files: [
      [fx('idx', 'gz', 't10k-images-idx3-ubyte.gz'), 't10k-images-idx3-ubyte.gz'],
      [fx('idx', 'gz', 't10k-labels-idx1-ubyte.gz'), 't10k-labels-idx1-ubyte.gz'],
    ],
    // importing the (mutated) labels file finds its images file beside it
    target: 't10k-labels-idx1-ubyte.gz',
    importPath: 'file',
    format: 'idx',
    text: false,
  },
  { name: 'json', files: [[fx('json', 'records.json'), 'd.json']], target: 'd.json', importPath: 'file', format: 'json', text: true },
  { name: 'json-arrays', files: [[fx('json', 'arrays.json'), 'd.json']], target: 'd.json', importPath: 'file', format: 'json', text: true },
  { name: 'jsonl', files: [[fx('json', 'records.jsonl'), 'd.jsonl']], target: 'd.jsonl', importPath: 'file', format: 'jsonl', text: true },
  {
    name: 'png-folder',
    files: [
      [fx('images', 'rgb', 'red', '0.png'), 'red/0.png'],
      [fx('images', 'rgb', 'blue', '0.png'), 'blue/0.png'],
    ],
    target: 'red/0.png',
    importPath: 'folder',
    format: 'images',
    text: false,
  },
  {
    name: 'jpeg-folder',
    files: [
      [fx('images', 'jpeg', 'dark', '0.jpg'), 'dark/0.jpg'],
      [fx('images', 'jpeg', 'light', '0.jpg'), 'light/0.jpg'],
    ],
    target: 'dark/0.jpg',
    importPath: 'folder',
    format: 'images',
    text: false,
  },
]

function runWorker(f: (typeof FORMATS)[number], seed: number): Promise<{ errors: number; valid: number; failures: string[] }> {
  const tpl = template(f.name, f.files)
  return new Promise((resolve, reject) => {
    // The worker runs TypeScript sources through tsx's loader API.
    const boot = `import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(pathToFileURL(workerFile).href)}, ${JSON.stringify(import.meta.url)}))`
    const w = new Worker(boot, {
      eval: true,
      workerData: { template: tpl, target: f.target, importPath: f.importPath, format: f.format, cases: CASES, seed, work: path.join(root, 'work', f.name), text: f.text },
    })
    let last = -1
    let timer = setTimeout(() => stop(), HANG_MS)
    const stop = (): void => {
      void w.terminate()
      reject(new Error(`${f.name}: no progress for ${HANG_MS / 1000} s after case ${last} (seed ${seed}): a hang`))
    }
    w.on('message', (m: { type: string; i?: number; errors?: number; valid?: number; failures?: string[] }) => {
      clearTimeout(timer)
      if (m.type === 'progress') {
        last = m.i!
        timer = setTimeout(stop, HANG_MS)
      } else {
        void w.terminate()
        resolve({ errors: m.errors!, valid: m.valid!, failures: m.failures! })
      }
    })
    w.on('error', (e) => {
      clearTimeout(timer)
      reject(e)
    })
  })
}

// Two workers at a time (concurrent tests) keep both cores busy.
describe.concurrent('fuzzed inputs end in a clear error or a valid dataset', () => {
  it.each(FORMATS.map((f, i) => [f.name, f, 1000 + i] as const))('%s: 1000 seeded mutations', async (_name, f, seed) => {
    const r = await runWorker(f, seed)
    expect(r.failures).toEqual([])
    expect(r.errors + r.valid).toBe(CASES)
    // the mutations must exercise both outcomes
    expect(r.errors).toBeGreaterThan(0)
  }, 120_000)
})
