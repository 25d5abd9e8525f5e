// Empirical bias correction (Nagel et al., "Data-Free Quantization Through Weight Equalization and Bias
// Correction", ICCV 2019, §4.2): quantizing W shifts the layer's expected output by E[ŷ − y] = (Ŵ − W)ᵀ E[x],
// so the bias absorbs it:  b' = b − (Ŵ − W)ᵀ E[x],  with E[x] the mean layer input on calibration data.
// Kernels are [R, C] views (Keras Dense [in, out]; Conv2D [kh, kw, in, out] with row r reading input channel
// r mod in; the spatial mean of a channel stands for every kernel position, padding ignored).

export function correctBias(w: ArrayLike<number>, wq: ArrayLike<number>, shape: readonly number[], bias: ArrayLike<number>, meanInput: ArrayLike<number>): Float32Array {
  const cols = shape[shape.length - 1]!
  const rows = w.length / cols
  const inChannels = meanInput.length
  if (bias.length !== cols) throw new Error(`correctBias: bias has ${bias.length} entries for ${cols} output channels`)
  if (rows % inChannels !== 0) throw new Error(`correctBias: ${inChannels} input means do not tile ${rows} kernel rows`)
  const shift = new Float64Array(cols)
  for (let r = 0; r < rows; r++) {
    const m = meanInput[r % inChannels]!
    if (m === 0) continue
    for (let c = 0; c < cols; c++) shift[c]! += (wq[r * cols + c]! - w[r * cols + c]!) * m
  }
  return Float32Array.from(bias, (b, c) => b - shift[c]!)
}
