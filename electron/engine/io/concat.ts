/** `parts` one after another in `out` (sized by the caller, e.g. to totalLength(parts)). */
export function concatInto<T extends Uint8Array | Int32Array>(out: T, parts: readonly ArrayLike<number>[]): T {
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

export const totalLength = (parts: readonly ArrayLike<number>[]): number => parts.reduce((a, p) => a + p.length, 0)

/**
 * The parts one after another in a fresh buffer of exactly their total length. Hand-written because the
 * ready-made joins do not fit: tfjs's concatenateArrayBuffers reads a view's whole underlying buffer (a
 * shard read by readFileSync may sit at an offset in Node's shared pool), and Buffer.concat may return such
 * a pooled view, whose .buffer tf.io.decodeWeights would read from its start.
 */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  return concatInto(new Uint8Array(totalLength(parts)), parts)
}
