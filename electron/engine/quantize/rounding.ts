// Round half to even, as numpy's round, TensorFlow's Round op and tf.round do (the TF.js converter rounds
// with np.round), so codes match the reference tools on ties.
export function roundHalfEven(x: number): number {
  const r = Math.round(x)
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r
}
