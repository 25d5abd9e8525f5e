/**
 * n × d points uniform in [0, 1) (like pixel intensities) from a linear congruential generator: seeded, so
 * every run of a benchmark times the same work, and cheap enough not to show in what it times.
 */
export function uniformPoints(n: number, d: number, seed: number): Float32Array {
  let a = seed >>> 0
  const out = new Float32Array(n * d)
  for (let i = 0; i < out.length; i++) {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0
    out[i] = a / 4294967296
  }
  return out
}
