import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

// The training rows' features Φ (n × m′ float32), kept between the pass that forms ΦᵀΦ and the pass that
// predicts the training points: in memory when small, otherwise in a temporary file read back block by block.
// Why a file: at n = 50 000, m′ = 8 192, Φ is 1.6 GB, and computing it again costs as much as the first pass
// (the projections are O(n·m²)); writing and reading it back takes seconds.

export class PhiStore {
  private readonly blocks: { rows: number; data: Float32Array | null }[] = []
  private fd: number | null = null
  private dir: string | null = null

  constructor(
    readonly dim: number,
    /** keep in memory up to this many floats, spill to a temporary file beyond */
    private readonly memoryFloats: number,
    totalFloats: number,
  ) {
    if (totalFloats > memoryFloats) {
      this.dir = mkdtempSync(path.join(tmpdir(), 'ntkw-phi-'))
      this.fd = openSync(path.join(this.dir, 'phi.f32'), 'w+')
      // unlinked while open where the OS allows it (POSIX): the space is freed even if the process is killed
      try {
        rmSync(this.dir, { recursive: true })
        this.dir = null
      } catch {
        // Windows keeps an open file: removed in dispose()
      }
    }
  }

  get onDisk(): boolean {
    return this.fd !== null
  }

  push(phi: Float32Array, rows: number): void {
    if (this.fd === null) {
      this.blocks.push({ rows, data: phi })
      return
    }
    const bytes = new Uint8Array(phi.buffer, phi.byteOffset, rows * this.dim * 4)
    for (let off = 0; off < bytes.length; ) off += writeSync(this.fd, bytes, off, bytes.length - off)
    this.blocks.push({ rows, data: null })
  }

  /** every stored block in order: (Φ block, first row, rows) */
  forEach(each: (phi: Float32Array, r0: number, rows: number) => void): void {
    let r0 = 0
    let pos = 0
    for (const b of this.blocks) {
      let phi = b.data
      if (!phi) {
        phi = new Float32Array(b.rows * this.dim)
        const bytes = new Uint8Array(phi.buffer)
        for (let off = 0; off < bytes.length; ) {
          const got = readSync(this.fd!, bytes, off, bytes.length - off, pos + off)
          if (got === 0) throw new Error('PhiStore: the temporary feature file ended early')
          off += got
        }
        pos += bytes.length
      }
      each(phi, r0, b.rows)
      r0 += b.rows
    }
  }

  dispose(): void {
    this.blocks.length = 0
    if (this.fd !== null) closeSync(this.fd)
    this.fd = null
    if (this.dir) rmSync(this.dir, { recursive: true, force: true })
    this.dir = null
  }
}
