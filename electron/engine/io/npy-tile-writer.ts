import { closeSync, openSync, writeSync, writevSync } from 'node:fs'
import { npyHeaderBytes } from './npy'

/** Default memory a writer may hold in row bands: a whole 8 000 × 8 000 float32 kernel fits (244 MiB). */
export const DEFAULT_TILE_BUFFER_BYTES = 256 * 1024 * 1024

export interface NpyTileWriterStats {
  /** write calls on the data (the header and the sizing byte are not counted) */
  writes: number
  /** row bands gathered in memory and written with one call */
  bufferedBands: number
  /** row bands whose tiles went to disk row by row, because the buffer budget was spent */
  directBands: number
}

/** rows r … r + rows of a band held as a reference to the tile that brought them (no copy) */
interface Piece {
  /** first band row */
  r: number
  rows: number
  col0: number
  cols: number
  tile: Float32Array
  /** the tile row holding band row r */
  tileRow: number
}

interface Band {
  pieces: Piece[] | null
  height: number
  filled: number
  direct: boolean
}

// at most this many buffers per writev call (Linux IOV_MAX)
const IOV_MAX = 1024

/**
 * A float32 2-D .npy file written tile by tile, in any order (kernels larger than memory). The header is
 * written first and the file sized up front, so a partially written kernel is detectable by its zero tiles,
 * not a short file.
 *
 * A tile of a row-major file is one short run per row, so writing it in place costs a write call per tile
 * row: an 8 000² kernel in 256² tiles is 250 000 calls, a large part of the 0.6–1 s the coordinating
 * thread spent storing tiles, CPU time the worker threads then lost. So tiles are gathered into row bands (the height of
 * the first tile) and a band goes to disk in one gathering write (writev: the tiles' rows in file order) once
 * every element of it has arrived. The band keeps references to its tiles rather than a copy: copying into
 * fresh band buffers cost more than the writes (first-touch page faults of 4 bytes per kernel entry), so a
 * caller must not modify a tile after handing it over. Bands that do not fit in the budget are written row
 * by row as before; a band's mode is fixed at its first tile, so nothing on disk is ever overwritten by a
 * gathered band.
 */
export class NpyTileWriter {
  private fd: number
  private readonly offset: number
  private bandRows = 0
  private bands: Band[] = []
  private budget: number
  readonly stats: NpyTileWriterStats = { writes: 0, bufferedBands: 0, directBands: 0 }

  constructor(
    readonly path: string,
    readonly rows: number,
    readonly cols: number,
    opts: { bufferBytes?: number } = {},
  ) {
    this.budget = Math.max(0, opts.bufferBytes ?? DEFAULT_TILE_BUFFER_BYTES)
    this.fd = openSync(path, 'w')
    const h = npyHeaderBytes('f4', [rows, cols])
    writeSync(this.fd, h, 0, h.length, 0)
    this.offset = h.length
    if (rows * cols > 0) writeSync(this.fd, new Uint8Array(1), 0, 1, this.offset + rows * cols * 4 - 1)
  }

  writeTile(row0: number, col0: number, tileRows: number, tileCols: number, tile: Float32Array): void {
    if (tile.length !== tileRows * tileCols) throw new Error('tile size does not match its shape')
    if (row0 < 0 || col0 < 0 || row0 + tileRows > this.rows || col0 + tileCols > this.cols) {
      throw new Error(`tile ${row0}+${tileRows} × ${col0}+${tileCols} lies outside the ${this.rows} × ${this.cols} matrix`)
    }
    if (tileRows === 0 || tileCols === 0) return
    if (this.bandRows === 0) this.bandRows = tileRows
    const h = this.bandRows
    for (let r = 0; r < tileRows; ) {
      const row = row0 + r
      const b = Math.floor(row / h)
      const bandStart = b * h
      const bandHeight = Math.min(h, this.rows - bandStart)
      const take = Math.min(tileRows - r, bandStart + bandHeight - row)
      const band = this.band(b, bandHeight)
      if (band.direct) {
        this.writeRows(tile, r, take, tileCols, row, col0)
      } else {
        band.pieces!.push({ r: row - bandStart, rows: take, col0, cols: tileCols, tile, tileRow: r })
        band.filled += take * tileCols
        if (band.filled >= bandHeight * this.cols) this.flush(b)
      }
      r += take
    }
  }

  /** tile rows r … r + count, each to its place in the file */
  private writeRows(tile: Float32Array, r: number, count: number, tileCols: number, row: number, col0: number): void {
    const bytes = new Uint8Array(tile.buffer, tile.byteOffset, tile.byteLength)
    for (let i = 0; i < count; i++) {
      writeSync(this.fd, bytes, (r + i) * tileCols * 4, tileCols * 4, this.offset + ((row + i) * this.cols + col0) * 4)
      this.stats.writes++
    }
  }

  private band(b: number, height: number): Band {
    let band = this.bands[b]
    if (!band) {
      const bytes = height * this.cols * 4
      if (bytes <= this.budget) {
        this.budget -= bytes
        band = { pieces: [], height, filled: 0, direct: false }
        this.stats.bufferedBands++
      } else {
        band = { pieces: null, height, filled: 0, direct: true }
        this.stats.directBands++
      }
      this.bands[b] = band
    }
    return band
  }

  private flush(b: number): void {
    const band = this.bands[b]!
    const pieces = band.pieces
    if (!pieces) return
    const start = b * this.bandRows
    const views = this.fileOrder(pieces, band.height)
    if (views) {
      let pos = this.offset + start * this.cols * 4
      for (let i = 0; i < views.length; i += IOV_MAX) {
        const chunk = views.slice(i, i + IOV_MAX)
        writevSync(this.fd, chunk, pos)
        for (const v of chunk) pos += v.byteLength
        this.stats.writes++
      }
    } else {
      // gaps or overlaps (an incomplete band at close, a tile sent twice): each piece in place, in arrival order
      for (const p of pieces) this.writeRows(p.tile, p.tileRow, p.rows, p.cols, start + p.r, p.col0)
    }
    this.budget += band.height * this.cols * 4
    band.pieces = null
    // a tile arriving again for a written band goes straight to its rows
    band.direct = true
  }

  /** the band's rows as views in file order, or null when the pieces do not cover each row exactly once */
  private fileOrder(pieces: Piece[], height: number): Uint8Array[] | null {
    const sorted = [...pieces].sort((p, q) => p.col0 - q.col0 || p.r - q.r)
    const views: Uint8Array[] = []
    for (let row = 0; row < height; row++) {
      let col = 0
      for (const p of sorted) {
        if (row < p.r || row >= p.r + p.rows) continue
        if (p.col0 !== col) return null
        const t = p.tile
        views.push(new Uint8Array(t.buffer, t.byteOffset + (p.tileRow + row - p.r) * p.cols * 4, p.cols * 4))
        col += p.cols
      }
      if (col !== this.cols) return null
    }
    return views
  }

  /** Writes what is still gathered (bands a caller left incomplete keep zeros where no tile came) and closes. */
  close(): void {
    if (this.fd < 0) return
    try {
      for (let b = 0; b < this.bands.length; b++) if (this.bands[b]?.pieces) this.flush(b)
    } finally {
      closeSync(this.fd)
      this.fd = -1
      this.bands = []
    }
  }

  /** Closes without writing what is gathered (the caller removes the file). */
  abort(): void {
    if (this.fd >= 0) closeSync(this.fd)
    this.fd = -1
    this.bands = []
  }
}
