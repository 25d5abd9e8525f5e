/** A clipping range [lo, hi] for one slice. */
export interface Range {
  lo: number
  hi: number
}
