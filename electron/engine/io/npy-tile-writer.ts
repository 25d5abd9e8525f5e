import { closeSync, openSync, writeSync } from 'node:fs'
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

interface Band {
  buf: Float32Array | null
  filled: number
  direct: boolean
}

/**
 * A float32 2-D .npy file written tile by tile, in any order (kernels larger than memory). The header is
 * written first and the file sized up front, so a partially written kernel is detectable by its zero tiles,
 * not a short file.
 *
 * A tile of a row-major file is one short run per row, so writing it in place costs a write call per tile
 * row: an 8 000² kernel in 256² tiles is 250 000 calls, a large part of the 0.6–1 s the coordinating
 * thread spent storing tiles, CPU time the worker threads then lost. So tiles are gathered into row bands (the height of
 * the first tile) and a band goes to disk in one call once every element of it has arrived. Bands that do
 * not fit in the buffer budget are written row by row as before; a band's mode is fixed at its first tile,
 * so nothing on disk is ever overwritten by a buffer.
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
        const bytes = new Uint8Array(tile.buffer, tile.byteOffset, tile.byteLength)
        for (let i = 0; i < take; i++) {
          writeSync(this.fd, bytes, (r + i) * tileCols * 4, tileCols * 4, this.offset + ((row + i) * this.cols + col0) * 4)
          this.stats.writes++
        }
      } else {
        const buf = band.buf!
        for (let i = 0; i < take; i++) {
          buf.set(tile.subarray((r + i) * tileCols, (r + i + 1) * tileCols), (row - bandStart + i) * this.cols + col0)
        }
        band.filled += take * tileCols
        if (band.filled >= buf.length) this.flush(b)
      }
      r += take
    }
  }

  private band(b: number, height: number): Band {
    let band = this.bands[b]
    if (!band) {
      const bytes = height * this.cols * 4
      if (bytes <= this.budget) {
        this.budget -= bytes
        band = { buf: new Float32Array(height * this.cols), filled: 0, direct: false }
        this.stats.bufferedBands++
      } else {
        band = { buf: null, filled: 0, direct: true }
        this.stats.directBands++
      }
      this.bands[b] = band
    }
    return band
  }

  private flush(b: number): void {
    const band = this.bands[b]!
    const buf = band.buf
    if (!buf) return
    const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)
    writeSync(this.fd, bytes, 0, bytes.length, this.offset + b * this.bandRows * this.cols * 4)
    this.stats.writes++
    this.budget += buf.byteLength
    band.buf = null
    // a tile arriving again for a written band goes straight to its rows
    band.direct = true
  }

  /** Writes what is still gathered (bands a caller left incomplete keep zeros where no tile came) and closes. */
  close(): void {
    if (this.fd < 0) return
    try {
      for (let b = 0; b < this.bands.length; b++) if (this.bands[b]?.buf) this.flush(b)
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
