import { describe, expect, it } from 'vitest'
import { accuracy, argmaxRows, binaryAccuracy, meanSquaredError, mseObjective } from '../../electron/engine/core/metrics'
import { assertFiniteArray, firstNonFinite } from '../../electron/engine/core/finite'

// docs/math.md §4: one definition per metric, checked against the formulas written out by hand.
describe('metrics', () => {
  it('MSE is the mean over every entry; the training objective is half of it', () => {
    const f = Float32Array.from([1, 2, 3, 4, 5, 6])
    const y = [0, 2, 5, 4, 5, 9]
    // (1 + 0 + 4 + 0 + 0 + 9) / 6
    expect(meanSquaredError(f, y, 6)).toBeCloseTo(14 / 6, 12)
    expect(mseObjective(f, y, 6)).toBeCloseTo(7 / 6, 12)
    // offset into f (several time steps stacked): the second half against y's first three
    expect(meanSquaredError(f, [4, 5, 5], 3, 3)).toBeCloseTo(1 / 3, 12)
  })

  it('accuracy is argmax agreement, ties to the lowest index', () => {
    expect(Array.from(argmaxRows([0, 1, 1, 3, 2, 2], 2, 3))).toEqual([1, 0])
    expect(accuracy([0.1, 0.9, 0.8, 0.2, 0.5, 0.5], [1, 1, 0], 2)).toBeCloseTo(2 / 3, 12)
    expect(Number.isNaN(accuracy([], [], 3))).toBe(true)
    // one output column: sign agreement around 0 for ±1 targets, around ½ for 0/1 targets
    expect(binaryAccuracy([0.3, -0.2, 0.1], [1, -1, -1], 3)).toBeCloseTo(2 / 3, 12)
    expect(binaryAccuracy([0.7, 0.4, 0.1], [1, 1, 0], 3)).toBeCloseTo(2 / 3, 12)
  })

  it('one NaN/Inf check, one error code, naming where the first bad value is', () => {
    expect(firstNonFinite([1, 2, 3])).toBe(-1)
    expect(firstNonFinite([1, Infinity, NaN])).toBe(1)
    expect(() => assertFiniteArray([0, 1, 2, NaN], 'x.npy', 'Remove them.', 2)).toThrow(/x\.npy contains NaN at row 1, column 1/)
    try {
      assertFiniteArray([-Infinity], 'y', 'fix')
    } catch (e) {
      expect(e).toMatchObject({ name: 'UserError', code: 'non_finite', hint: 'fix' })
    }
    expect.assertions(4)
  })
})
