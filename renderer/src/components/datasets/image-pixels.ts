/**
 * One stored image row (height × width × channels, channels last) as RGBA bytes for a canvas. Values are
 * mapped linearly from [lo, hi] (the dataset's min and max) to 0–255, so [0, 1] floats and raw bytes both show.
 */
export function rowToRgba(row: ArrayLike<number>, height: number, width: number, channels: number, lo: number, hi: number): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(height * width * 4)
  const span = hi > lo ? hi - lo : 1
  const k = 255 / span
  for (let p = 0; p < height * width; p++) {
    const o = p * 4
    if (channels >= 3) {
      out[o] = (row[p * channels]! - lo) * k
      out[o + 1] = (row[p * channels + 1]! - lo) * k
      out[o + 2] = (row[p * channels + 2]! - lo) * k
    } else {
      const v = (row[p * channels]! - lo) * k
      out[o] = v
      out[o + 1] = v
      out[o + 2] = v
    }
    out[o + 3] = 255
  }
  return out
}
