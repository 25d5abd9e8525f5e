/** The shape of one row of an NPY array of `shape` ([n] → one value, [n, d] → [d], [n, h, w, c] → [h, w, c]). */
export function npyRowShape(shape: number[]): number[] {
  return shape.length > 1 ? shape.slice(1) : [1]
}
