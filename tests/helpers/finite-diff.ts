/**
 * Central finite differences (f(x + h·e_p) − f(x − h·e_p)) / 2h for every entry p of x: the gradient a
 * hand-written VJP is checked against. x is perturbed in its own array type (a float32 input stays float32).
 */
export function centralDifferences<T extends Float32Array | Float64Array | number[]>(f: (x: T) => number, x: T, h: number): Float64Array {
  const g = new Float64Array(x.length)
  for (let p = 0; p < x.length; p++) {
    const up = x.slice() as T
    const dn = x.slice() as T
    up[p] = up[p]! + h
    dn[p] = dn[p]! - h
    g[p] = (f(up) - f(dn)) / (2 * h)
  }
  return g
}
