import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { createExampleProject } from '../../../electron/engine/data/examples'
import { twoMoons, twoSpirals } from '../../../electron/engine/data/generators'
import { getDatasetPreview, listDatasets, loadDatasetRef } from '../../../electron/engine/data/dataset-store'
import { argmaxRows, memDb } from './helpers'

const require = createRequire(import.meta.url)

describe('bundled examples', () => {
  it('createExampleProject stores MNIST, Iris, moons and spirals with their recipes', async () => {
    const db = memDb()
    const made = await createExampleProject(db)
    expect(listDatasets(db).map((d) => [d.name, d.rows, d.classes])).toEqual([
      ['mnist', 10000, 10],
      ['iris', 150, 3],
      ['moons', 400, 2],
      ['spirals', 400, 2],
    ])
    const mnist = made[0]!
    const p = getDatasetPreview(db, mnist.id, { offset: 0, limit: 3 })
    // class counts against the mnist package's own per-digit files (784 values per digit)
    const perDigit = Array.from({ length: 10 }, (_, d) => (require(`mnist/src/digits/${d}.json`).data as number[]).length / 784)
    expect(p.schema.classCounts).toEqual(perDigit)
    expect(p.schema.image).toEqual({ height: 28, width: 28, channels: 1 })
    // every stored digit is one of the package's digits of its class: check the first three
    for (let r = 0; r < 3; r++) {
      const digit = Number(p.labels![r])
      const raw = require(`mnist/src/digits/${digit}.json`).data as number[]
      const mine = p.rows[r]!.map((v) => Math.round(v * 255))
      let found = false
      for (let k = 0; k < raw.length / 784 && !found; k++) {
        found = true
        for (let q = 0; q < 784 && found; q++) if (Math.round(raw[k * 784 + q]! * 255) !== mine[q]) found = false
      }
      expect(found, `row ${r} (digit ${digit}) is a real MNIST digit`).toBe(true)
    }
    const iris = loadDatasetRef(db, { type: 'dataset', datasetId: made[1]!.id, split: 'all', field: 'y' }).matrix
    expect(argmaxRows(iris).filter((c) => c === 0).length).toBe(50)
    const train = loadDatasetRef(db, { type: 'dataset', datasetId: mnist.id, split: 'train', field: 'x' }).matrix
    expect([train.rows, train.cols]).toEqual([8000, 784])
  })

  it('two moons without noise lie on their two unit half-circles', () => {
    const { x, y } = twoMoons(200, 0, 1)
    for (let i = 0; i < 200; i++) {
      const [a, b] = [x[2 * i]!, x[2 * i + 1]!]
      const r = y[i] === 0 ? Math.hypot(a, b) : Math.hypot(a - 1, b - 0.5)
      expect(r).toBeCloseTo(1, 5)
      expect(y[i] === 0 ? b >= -1e-6 : b <= 0.5 + 1e-6).toBe(true)
    }
    expect(Array.from(y).filter((c) => c === 1).length).toBe(100)
  })

  it('two spirals without noise: radius 5i/n, the classes half a turn apart', () => {
    const { x, y } = twoSpirals(100, 0, 1)
    for (let i = 0; i < 50; i++) {
      expect(Math.hypot(x[2 * i]!, x[2 * i + 1]!)).toBeCloseTo((5 * i) / 50, 5)
      // class 1 point i is class 0 point i rotated by π
      expect(x[2 * (50 + i)]!).toBeCloseTo(-x[2 * i]!, 5)
      expect(x[2 * (50 + i) + 1]!).toBeCloseTo(-x[2 * i + 1]!, 5)
    }
    expect(y[0]).toBe(0)
    expect(y[99]).toBe(1)
    const noisy = twoSpirals(100, 0.1, 1)
    expect(Array.from(noisy.x)).toEqual(Array.from(twoSpirals(100, 0.1, 1).x))
    expect(Array.from(noisy.x)).not.toEqual(Array.from(twoSpirals(100, 0.1, 2).x))
  })
})
