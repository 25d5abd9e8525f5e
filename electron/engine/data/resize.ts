// Image resampling, separable: each output pixel is a weighted sum of source pixels along one axis, then
// the other. Shrinking uses area weights (the overlap of the output pixel's footprint [i·s, (i+1)·s) with
// each source pixel, s = src/dst); enlarging uses bilinear weights at pixel centres
// (x_src = (i + ½)·s − ½, clamped), as in OpenCV's INTER_AREA / INTER_LINEAR.

interface Tap {
  idx: Int32Array
  w: Float32Array
  start: Int32Array
}

function taps(src: number, dst: number): Tap {
  const s = src / dst
  const idx: number[] = []
  const w: number[] = []
  const start = new Int32Array(dst + 1)
  for (let i = 0; i < dst; i++) {
    start[i] = idx.length
    if (s > 1) {
      const a = i * s
      const b = (i + 1) * s
      for (let k = Math.floor(a); k < Math.min(src, Math.ceil(b)); k++) {
        const overlap = Math.min(b, k + 1) - Math.max(a, k)
        if (overlap > 0) {
          idx.push(k)
          w.push(overlap / s)
        }
      }
    } else {
      const x = Math.min(src - 1, Math.max(0, (i + 0.5) * s - 0.5))
      const k = Math.floor(x)
      const f = x - k
      idx.push(k)
      w.push(1 - f)
      if (f > 0 && k + 1 < src) {
        idx.push(k + 1)
        w.push(f)
      }
    }
  }
  start[dst] = idx.length
  return { idx: Int32Array.from(idx), w: Float32Array.from(w), start }
}

/** Resizes an interleaved h×w×c byte image to oh×ow×c (rounded to the nearest byte). */
export function resizeImage(src: Uint8Array, h: number, w: number, c: number, oh: number, ow: number): Uint8Array {
  if (h === oh && w === ow) return src
  const tx = taps(w, ow)
  const ty = taps(h, oh)
  // Horizontal pass into float rows, then vertical pass.
  const mid = new Float32Array(h * ow * c)
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < ow; x++) {
      for (let ch = 0; ch < c; ch++) {
        let acc = 0
        for (let t = tx.start[x]!; t < tx.start[x + 1]!; t++) acc += tx.w[t]! * src[(y * w + tx.idx[t]!) * c + ch]!
        mid[(y * ow + x) * c + ch] = acc
      }
    }
  }
  const out = new Uint8Array(oh * ow * c)
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      for (let ch = 0; ch < c; ch++) {
        let acc = 0
        for (let t = ty.start[y]!; t < ty.start[y + 1]!; t++) acc += ty.w[t]! * mid[(ty.idx[t]! * ow + x) * c + ch]!
        out[(y * ow + x) * c + ch] = Math.min(255, Math.max(0, Math.round(acc)))
      }
    }
  }
  return out
}
