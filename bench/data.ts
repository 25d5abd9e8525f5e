import Database from 'better-sqlite3'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs'
import { createReadStream } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parse } from 'csv-parse'
import { writeNpy } from '../electron/engine/io/npy'
import { importDataset } from '../electron/engine/data/import'
import { createProject } from '../electron/engine/store/project-db'
import { uniformStream } from '../electron/engine/core/random'
import { QUICK, type BenchResult } from './types'

// Dataset import: a 60 000 × 784 float32 NPY (target ≤ 2 s) and a ~100 MB numeric CSV (MB/s), each next
// to a straightforward implementation timed in the same run. Inputs are generated in a temp folder.

/** a project file exactly as the app creates it */
function project(dir: string, name: string): Database.Database {
  return createProject(path.join(dir, name)).db
}

function time<T>(fn: () => T): [T, number] {
  const t = performance.now()
  const r = fn()
  return [r, performance.now() - t]
}

async function timeAsync<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now()
  const r = await fn()
  return [r, performance.now() - t]
}

/** Baseline NPY import: read the file, decode element by element with DataView, store as 4 MiB blobs. */
function naiveNpyImport(db: Database.Database, file: string, rows: number, cols: number): void {
  const buf = readFileSync(file)
  const headerLen = buf.readUInt16LE(8)
  const view = new DataView(buf.buffer, buf.byteOffset + 10 + headerLen)
  const x = new Float32Array(rows * cols)
  for (let i = 0; i < x.length; i++) x[i] = view.getFloat32(i * 4, true)
  const bytes = Buffer.from(x.buffer)
  const id = `naive-${Math.random()}`
  db.transaction(() => {
    db.prepare("INSERT INTO datasets (id, name, source, format, hash, schema_json, recipe_json, created_at) VALUES (?, 'n', 'n', 'npy', '', '{}', '{}', 0)").run(id)
    const ins = db.prepare("INSERT INTO dataset_chunks (dataset_id, field, chunk, data) VALUES (?, 'x', ?, ?)")
    for (let c = 0, o = 0; o < bytes.length; c++, o += 4 << 20) ins.run(id, c, bytes.subarray(o, Math.min(bytes.length, o + (4 << 20))))
  })()
}

/** Baseline CSV parse: csv-parse with default settings, Number() on every cell. */
async function naiveCsvParse(file: string): Promise<number> {
  const rows: number[][] = []
  for await (const rec of createReadStream(file).pipe(parse()) as AsyncIterable<string[]>) rows.push(rec.map(Number))
  return rows.length
}

function writeCsv(file: string, rows: number, cols: number): number {
  const rand = uniformStream(7)
  const fd = openSync(file, 'w')
  try {
    writeSync(fd, Array.from({ length: cols }, (_, j) => `f${j}`).join(',') + ',label\n')
    let block = ''
    for (let r = 0; r < rows; r++) {
      const cells: string[] = []
      for (let j = 0; j < cols; j++) cells.push((rand() * 20 - 10).toFixed(4))
      block += cells.join(',') + ',' + (r % 10) + '\n'
      if (block.length > 1 << 20) {
        writeSync(fd, block)
        block = ''
      }
    }
    writeSync(fd, block)
  } finally {
    closeSync(fd)
  }
  return statSync(file).size
}

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ntkw-bench-data-'))
  const out: BenchResult[] = []
  try {
    // --- NPY 60 000 × 784 float32
    const rows = QUICK ? 6000 : 60000
    const cols = 784
    const x = new Float32Array(rows * cols)
    const rand = uniformStream(1)
    for (let i = 0; i < x.length; i++) x[i] = rand()
    const npy = path.join(dir, 'x.npy')
    writeNpy(npy, x, [rows, cols])
    const dbA = project(dir, 'a.ntkw')
    const dbB = project(dir, 'b.ntkw')
    const [, oursMs] = await timeAsync(() => importDataset(dbA, npy))
    const [, naiveMs] = time(() => naiveNpyImport(dbB, npy, rows, cols))
    dbA.close()
    dbB.close()
    out.push({
      name: `import NPY ${rows}×${cols} float32 into a project`,
      value: Math.round(oursMs),
      unit: 'ms',
      baseline: { name: 'readFileSync + per-element DataView decode + 4 MiB blob inserts (no validation, stats or hash)', value: Math.round(naiveMs) },
      ratio: naiveMs / oursMs,
      target: '≤ 2000 ms',
      meta: { megabytes: (rows * cols * 4) / 1e6, includes: 'format sniff, budget check, read, NaN/Inf check, column stats, sha256, chunked transactional store' },
    })
    // --- CSV ~100 MB
    const csvRows = QUICK ? 60000 : 660000
    const csv = path.join(dir, 'd.csv')
    const bytes = writeCsv(csv, csvRows, 20)
    const dbC = project(dir, 'c.ntkw')
    const [, csvMs] = await timeAsync(() => importDataset(dbC, csv))
    dbC.close()
    const [, baseMs] = await timeAsync(() => naiveCsvParse(csv))
    const mb = bytes / 1e6
    out.push({
      name: `import CSV ${mb.toFixed(0)} MB (${csvRows} rows × 21 columns) into a project`,
      value: mb / (csvMs / 1000),
      unit: 'MB/s',
      baseline: { name: 'csv-parse default settings + Number() per cell (parse only, no storage)', value: mb / (baseMs / 1000) },
      ratio: baseMs / csvMs,
      meta: { ms: Math.round(csvMs), baselineMs: Math.round(baseMs), ratioMeaning: 'baseline time / our time', includes: 'sniff, streamed parse, typing, label encoding, stats, hash, store' },
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return out
}
