// Memory handed to a computation for its large arrays, each buffer used once. On the VMs this engine is measured
// on, the first write to each newly mapped 4 KiB page costs ~10 µs (~3 ms per MiB: the page fault, the
// kernel zeroing it and the hypervisor backing it), more than most passes over the array cost afterwards, and
// Node has no way to ask for huge pages. Buffers whose pages were touched elsewhere, e.g. by a worker thread
// while this one was busy starting (ntk/empirical-prefetch.ts) and transferred here, skip that cost. Every
// buffer given must hold zeros: a taken array is what `new Float32Array(len)` would have been.

export class Scratch {
  private readonly free: ArrayBuffer[]

  constructor(buffers: ArrayBuffer[] = []) {
    this.free = buffers.slice()
  }

  /** len float32 zeros: the smallest held buffer that fits (no longer held), else a new array */
  f32(len: number): Float32Array {
    const b = this.take(len * 4)
    return b ? new Float32Array(b, 0, len) : new Float32Array(len)
  }

  /** len float64 zeros, as f32 */
  f64(len: number): Float64Array {
    const b = this.take(len * 8)
    return b ? new Float64Array(b, 0, len) : new Float64Array(len)
  }

  /** bytes still held (unused) */
  get held(): number {
    return this.free.reduce((s, b) => s + b.byteLength, 0)
  }

  private take(bytes: number): ArrayBuffer | null {
    let best = -1
    for (let i = 0; i < this.free.length; i++) {
      const size = this.free[i]!.byteLength
      if (size >= bytes && (best < 0 || size < this.free[best]!.byteLength)) best = i
    }
    return best < 0 ? null : this.free.splice(best, 1)[0]!
  }
}
