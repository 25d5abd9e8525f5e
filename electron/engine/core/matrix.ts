/** A float matrix handed to or produced by a job (row-major). */
export interface Matrix {
  data: Float32Array | Float64Array
  rows: number
  cols: number
  /** the shape of one row when it was read from an array of more dimensions ([h, w, c] for (n, h, w, c) NPY) */
  shape?: number[]
}
