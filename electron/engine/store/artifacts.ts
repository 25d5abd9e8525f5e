import { randomUUID } from 'node:crypto'
import type { ArtifactInfo } from '../../../shared/index'
import { UserError } from '../../../shared/errors'
import type { ArtifactSink, TiledArtifactWriter } from '../core/artifact-sink'
import type { Db } from './project-db'

// Artifacts inside the project: small arrays and JSON as one tile, big matrices as many float32 tiles
// (≤ 1024×1024 each) so kernels larger than memory are written and read block by block. An artifact is
// visible only once `complete = 1`, so a crash mid-write never shows a half kernel.

const MAX_TILE_BYTES = 4 * 1024 * 1024 * 4

function f32bytes(a: Float32Array | Float64Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength)
}

export class ProjectArtifactSink implements ArtifactSink {
  constructor(
    private readonly db: Db,
    private readonly runId: string | null,
    private readonly onArtifact?: (a: ArtifactInfo) => void,
  ) {}

  private insert(name: string, type: string, shape: number[] | null, meta: Record<string, unknown>, complete: boolean): string {
    const id = randomUUID()
    this.db
      .prepare('INSERT INTO artifacts (id, run_id, name, type, shape_json, meta_json, complete, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(id, this.runId, name, type, shape ? JSON.stringify(shape) : null, JSON.stringify(meta), complete ? 1 : 0, Date.now())
    return id
  }

  saveArray(name: string, data: Float32Array | Float64Array, shape: number[], meta: Record<string, unknown> = {}): ArtifactInfo {
    const type = data instanceof Float64Array ? 'f64' : 'f32'
    let id = ''
    this.db.transaction(() => {
      id = this.insert(name, type, shape, meta, true)
      const rows = shape[0] ?? 1
      const cols = shape.length > 1 ? data.length / Math.max(1, rows) : 1
      this.db
        .prepare('INSERT INTO artifact_tiles (artifact_id, row0, col0, rows, cols, data) VALUES (?, 0, 0, ?, ?, ?)')
        .run(id, rows, cols, f32bytes(data))
      this.db.prepare('UPDATE artifacts SET bytes = ? WHERE id = ?').run(data.byteLength, id)
    })()
    const info: ArtifactInfo = { id, name, type, shape, bytes: data.byteLength }
    this.onArtifact?.(info)
    return info
  }

  saveJson(name: string, value: unknown): ArtifactInfo {
    const text = JSON.stringify(value)
    let id = ''
    this.db.transaction(() => {
      id = this.insert(name, 'json', null, {}, true)
      this.db.prepare('INSERT INTO artifact_tiles (artifact_id, row0, col0, rows, cols, data) VALUES (?, 0, 0, 1, 1, ?)').run(id, Buffer.from(text))
      this.db.prepare('UPDATE artifacts SET bytes = ? WHERE id = ?').run(text.length, id)
    })()
    const info: ArtifactInfo = { id, name, type: 'json', bytes: text.length }
    this.onArtifact?.(info)
    return info
  }

  openTiled(name: string, rows: number, cols: number, meta: Record<string, unknown> = {}): TiledArtifactWriter {
    const id = this.insert(name, 'f32-tiled', [rows, cols], meta, false)
    const put = this.db.prepare('INSERT OR REPLACE INTO artifact_tiles (artifact_id, row0, col0, rows, cols, data) VALUES (?, ?, ?, ?, ?, ?)')
    let bytes = 0
    return {
      writeTile: (row0, col0, r, c, tile) => {
        if (tile.byteLength > MAX_TILE_BYTES) throw new Error(`tile ${r}×${c} is too large for one blob`)
        put.run(id, row0, col0, r, c, f32bytes(tile))
        bytes += tile.byteLength
      },
      close: () => {
        this.db.prepare('UPDATE artifacts SET complete = 1, bytes = ? WHERE id = ?').run(bytes, id)
        const info: ArtifactInfo = { id, name, type: 'f32-tiled', shape: [rows, cols], bytes }
        this.onArtifact?.(info)
        return info
      },
      abort: () => {
        this.db.prepare('DELETE FROM artifacts WHERE id = ?').run(id)
      },
    }
  }
}

export interface TileRow {
  row0: number
  col0: number
  rows: number
  cols: number
  data: Buffer
}

/** Iterates the tiles of a stored matrix without loading all of it. */
export function* iterateTiles(db: Db, artifactId: string): Generator<TileRow> {
  yield* db.prepare('SELECT row0, col0, rows, cols, data FROM artifact_tiles WHERE artifact_id = ? ORDER BY row0, col0').iterate(artifactId) as Iterable<TileRow>
}

/** The single tile of a small artifact. (A half-consumed iterate() would keep the connection busy.) */
function firstTile(db: Db, artifactId: string): TileRow {
  const t = db.prepare('SELECT row0, col0, rows, cols, data FROM artifact_tiles WHERE artifact_id = ? ORDER BY row0, col0 LIMIT 1').get(artifactId) as TileRow | undefined
  if (!t) throw new UserError('corrupt', `artifact ${artifactId} has no data`)
  return t
}

export function artifactMeta(db: Db, artifactId: string): { name: string; type: string; shape: number[] | null; meta: Record<string, unknown> } {
  const row = db.prepare('SELECT name, type, shape_json, meta_json FROM artifacts WHERE id = ? AND complete = 1').get(artifactId) as
    | { name: string; type: string; shape_json: string | null; meta_json: string }
    | undefined
  if (!row) throw new UserError('not_found', `artifact ${artifactId} does not exist in this project`)
  return { name: row.name, type: row.type, shape: row.shape_json ? (JSON.parse(row.shape_json) as number[]) : null, meta: JSON.parse(row.meta_json) as Record<string, unknown> }
}

/** Reads a whole stored array (small artifacts only). */
export function readArtifactArray(db: Db, artifactId: string): { data: Float32Array | Float64Array; shape: number[] } {
  const m = artifactMeta(db, artifactId)
  const shape = m.shape ?? []
  const total = shape.reduce((a, b) => a * b, 1)
  if (m.type === 'f64' || m.type === 'f32') {
    const t = firstTile(db, artifactId)
    const copy = new Uint8Array(t.data).buffer
    return { data: m.type === 'f64' ? new Float64Array(copy) : new Float32Array(copy), shape }
  }
  if (m.type !== 'f32-tiled') throw new UserError('bad_artifact', `artifact ${m.name} is not an array`)
  const cols = shape[1] ?? 1
  const out = new Float32Array(total)
  for (const t of iterateTiles(db, artifactId)) {
    const tile = new Float32Array(new Uint8Array(t.data).buffer)
    for (let r = 0; r < t.rows; r++) out.set(tile.subarray(r * t.cols, (r + 1) * t.cols), (t.row0 + r) * cols + t.col0)
  }
  return { data: out, shape }
}

export function readArtifactJson(db: Db, artifactId: string): unknown {
  const m = artifactMeta(db, artifactId)
  if (m.type !== 'json') throw new UserError('bad_artifact', `artifact ${m.name} is not JSON`)
  const t = firstTile(db, artifactId)
  return JSON.parse(t.data.toString('utf8')) as unknown
}
