// Codes packed LSB-first into a byte stream: element i occupies bits [i·b, (i+1)·b) (the layout the packed
// format's loader reads, docs/quantized-format.md).
export function packCodes(codes: ArrayLike<number>, bits: number): Uint8Array {
  const out = new Uint8Array(Math.ceil((codes.length * bits) / 8))
  let bitPos = 0
  for (let i = 0; i < codes.length; i++) {
    let v = codes[i]!
    let pos = bitPos
    let left = bits
    while (left > 0) {
      const byte = pos >>> 3
      const shift = pos & 7
      const take = Math.min(left, 8 - shift)
      out[byte]! |= (v & ((1 << take) - 1)) << shift
      v >>>= take
      pos += take
      left -= take
    }
    bitPos += bits
  }
  return out
}
