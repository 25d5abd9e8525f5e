// What a QDQ export holds per Dense/Conv2D layer, in the form ONNX Runtime's static quantizer writes
// (onnxruntime.quantization.quantize_static, QuantFormat.QDQ): weight codes as int8 (symmetric, zero point 0)
// or uint8 (affine) initializers read by DequantizeLinear, per tensor or per output channel; int32 bias codes
// with scale x_scale·w_scale and zero point 0; a static uint8 grid for the layer input, written as a
// QuantizeLinear → DequantizeLinear pair. Codes are kept in the Keras layout; export.ts transposes them.

export interface QdqLayer {
  /** activation grid of the layer input: q = saturate(round(x / scale) + zeroPoint) in uint8 */
  input?: { scale: number; zeroPoint: number }
  weight?: { dtype: 'int8' | 'uint8'; codes: Int32Array; scales: Float32Array; zeroPoints: Int32Array }
  /** int32 codes; scale = fround(input.scale · weight scale) per output channel */
  bias?: { codes: Int32Array; scales: Float32Array }
  /** float bias when the input is not quantized (bias correction may have changed it) */
  floatBias?: Float32Array
}

export interface QdqPlan {
  layers: Map<string, QdqLayer>
}
