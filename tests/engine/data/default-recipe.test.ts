import { describe, expect, it } from 'vitest'
import type { DatasetSchema, Recipe } from '../../../shared/dataset'
import { UserError } from '../../../shared/errors'
import { defaultRecipe, describeRecipe, withDefaults } from '../../../electron/engine/data/default-recipe'
import { applyRecipeX, fitScaler } from '../../../electron/engine/data/recipe'

const schema = (over: Partial<DatasetSchema>): DatasetSchema => ({
  version: 1, rows: 100, x: { dtype: 'f4', shape: [100, 3], scale: 1, chunkBytes: 1 << 20, chunks: 1 }, y: null, task: 'classification',
  summary: { min: -5, max: 1000, mean: 1, std: 1 }, notes: [], bytes: 1, ...over,
})

describe('default recipe at import (issue 14 #1)', () => {
  it('tabular: stratified 70/15/15 split, seed 0, standardised; images in [0, 1] stay as they are', () => {
    expect(defaultRecipe(schema({}))).toEqual({ scale: 'standardize', split: { train: 0.7, validation: 0.15, seed: 0, stratified: true } })
    expect(defaultRecipe(schema({ image: { height: 2, width: 2, channels: 1 }, summary: { min: 0, max: 1, mean: 0.5, std: 0.1 } })).scale).toBe('none')
    expect(defaultRecipe(schema({ image: { height: 2, width: 2, channels: 1 }, summary: { min: 0, max: 255, mean: 9, std: 1 } })).scale).toBe('min-max')
    expect(defaultRecipe(schema({ task: 'regression' })).split?.stratified).toBe(false)
    expect(defaultRecipe(schema({ rows: 3 })).split).toBeUndefined()
    // the user's fields win one by one
    expect(withDefaults(schema({}), { scale: 'none' })).toMatchObject({ scale: 'none', split: { train: 0.7 } })
  })

  it('is described in words, with the row counts', () => {
    const r: Recipe = { scale: 'standardize', l2Normalize: false, flatten: 'hwc', labels: 'one-hot', split: { train: 0.7, validation: 0.15, stratified: true, seed: 0 } }
    expect(describeRecipe(r, { train: 84, validation: 18, test: 18 })[0]).toBe('split: train 70 % / validation 15 % / test 15 % = 84 / 18 / 18 rows, stratified by class, seed 0')
  })
})

describe('standardisation of extreme float32 values', () => {
  it('matches a float64 two-pass computation written here, up to ±3e38', () => {
    const vals = [3e38, -2.9e38, 1.5e38, 2e37, -1e38]
    const x = Float32Array.from(vals)
    const { shift, mul } = fitScaler(x, 1, 1, Int32Array.from([0, 1, 2, 3, 4]), 'standardize')
    const f = Array.from(x)
    const mean = f.reduce((a, b) => a + b / 5, 0)
    const sd = Math.sqrt(f.reduce((a, b) => a + ((b - mean) / 1e38) ** 2, 0) / 5) * 1e38
    expect(shift[0]! / mean).toBeCloseTo(1, 12)
    expect(mul[0]! * sd).toBeCloseTo(1, 12)
  })

  it('a row far outside the training rows is refused with a clear error, not stored as Infinity', () => {
    const s = schema({ rows: 3, x: { dtype: 'f4', shape: [3, 1], scale: 1, chunkBytes: 1 << 20, chunks: 1 } })
    const x = Float32Array.from([0, 1e-6, 3e38])
    const r: Recipe = { scale: 'standardize', l2Normalize: false, flatten: 'hwc', labels: 'one-hot' }
    expect(() => applyRecipeX(x, s, r, Int32Array.from([0, 1, 2]), Int32Array.from([0, 1]))).toThrow(UserError)
  })
})
