/** A float matrix handed to or produced by a job (row-major). */
export interface Matrix {
  data: Float32Array | Float64Array
  rows: number
  cols: number
}
