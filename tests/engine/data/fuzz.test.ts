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

type Format = { name: string; files: [string, string][]; target: string; importPath: 'file' | 'folder'; format: string; text: boolean }
/** one fixture file imported by its path */
const single = (name: string, format: string, from: string[], as: string, text: boolean): Format => ({ name, files: [[fx(...from), as]], target: as, importPath: 'file', format, text })
/** two binary fixture files imported together (an images/labels pair, two class folders), target is the first */
const pair = (name: string, format: string, importPath: Format['importPath'], files: [string[], string][], target = files[0]![1]): Format => ({
  name,
  files: files.map(([from, as]) => [fx(...from), as]),
  target,
  importPath,
  format,
  text: false,
})

const FORMATS: Format[] = [
  single('csv', 'csv', ['csv', 'mixed.csv'], 'd.csv', true),
  single('tsv-noheader', 'auto', ['csv', 'semicolon_noheader.csv'], 'd.csv', true),
  single('npy', 'npy', ['npy', 'float_f4_le.npy'], 'd.npy', false),
  single('npy-fortran', 'npy', ['npy', 'rank4_fortran.npy'], 'd.npy', false),
  single('npz', 'npz', ['npz', 'xy_compressed.npz'], 'd.npz', false),
  single('npz-stored', 'npz', ['npz', 'xy.npz'], 'd.npz', false),
  pair('idx', 'idx', 'file', [
    [['idx', 'plain', 'train-images-idx3-ubyte'], 'train-images-idx3-ubyte'],
    [['idx', 'plain', 'train-labels-idx1-ubyte'], 'train-labels-idx1-ubyte'],
  ]),
  // importing the (mutated) labels file finds its images file beside it
  pair(
    'idx-gz-labels',
    'idx',
    'file',
    [
      [['idx', 'gz', 't10k-images-idx3-ubyte.gz'], 't10k-images-idx3-ubyte.gz'],
      [['idx', 'gz', 't10k-labels-idx1-ubyte.gz'], 't10k-labels-idx1-ubyte.gz'],
    ],
    't10k-labels-idx1-ubyte.gz',
  ),
  single('json', 'json', ['json', 'records.json'], 'd.json', true),
  single('json-arrays', 'json', ['json', 'arrays.json'], 'd.json', true),
  single('jsonl', 'jsonl', ['json', 'records.jsonl'], 'd.jsonl', true),
  pair('png-folder', 'images', 'folder', [
    [['images', 'rgb', 'red', '0.png'], 'red/0.png'],
    [['images', 'rgb', 'blue', '0.png'], 'blue/0.png'],
  ]),
  pair('jpeg-folder', 'images', 'folder', [
    [['images', 'jpeg', 'dark', '0.jpg'], 'dark/0.jpg'],
    [['images', 'jpeg', 'light', '0.jpg'], 'light/0.jpg'],
  ]),
]

function runWorker(f: Format, seed: number): Promise<{ errors: number; valid: number; failures: string[] }> {
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
