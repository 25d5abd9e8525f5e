import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { importDataset } from '../../../electron/engine/data/import'
import { Xoshiro128 } from '../../../electron/engine/core/random'
import { createProject, type ProjectHandle } from '../../../electron/engine/store/project-db'
import type { WidthSweepResult } from '../../../shared/jobs/results'
import type { NetKernelArch } from '../../../shared/arch'

type NetKernelArchInput = import('zod').input<typeof NetKernelArch>
import { tempDir } from '../../helpers/tmp'
import { metricSeries, runLab } from './lab-helpers'

// The lab's experiments with an ARCH.json (convolutional) network on a small image dataset: 6×6 one-channel
// images of two classes (a bright square in one half or the other, plus noise), stored as a project dataset.
const tmp = tempDir()
let project: ProjectHandle
let datasetId: string

beforeAll(async () => {
  const rng = new Xoshiro128(3)
  const n = 60
  const x: number[][] = []
  const y: number[] = []
  for (let i = 0; i < n; i++) {
    const cls = i % 2
    const noise = rng.normals(36, 0.3)
    x.push(Array.from({ length: 36 }, (_, p) => noise[p]! + ((p % 6 < 3) === (cls === 0) ? 1 : 0)))
    y.push(cls)
  }
  const file = path.join(tmp.dir, 'squares.json')
  writeFileSync(file, JSON.stringify({ x, y }))
  project = createProject(path.join(tmp.dir, 'lab.ntkw'))
  datasetId = (await importDataset(project.db, file, { options: { task: 'classification' }, recipe: { split: { train: 0.5, seed: 1 }, scale: 'standardize' } })).id
})
afterAll(() => {
  project.close()
  tmp.cleanup()
})

const cnn = {
  net: {
    input: [6, 6, 1],
    layers: [
      { type: 'conv2d', filters: 4, kernel: 3, padding: 'same', activation: 'relu' },
      { type: 'conv2d', filters: 4, kernel: 3, padding: 'same', activation: 'relu' },
      { type: 'flatten' },
    ],
  },
  wStd: 1.4,
  bStd: 0.1,
} satisfies NetKernelArchInput

describe('lab experiments with a convolutional ARCH.json network', () => {
  it('width sweep over channels: the empirical CNN NTK error falls like channels^(−½)', async () => {
    const widths = [4, 16, 64, 256]
    const { outcome, events } = await runLab(project, { kind: 'width-sweep', data: { datasetId, train: 12, test: 4 }, arch: cnn, widths, seedsPerWidth: 6, seed: 7 })
    const r = (outcome as { result: WidthSweepResult }).result
    console.log(`CNN width sweep: err(channels) = ${r.widths.map((w, i) => `${w}:${r.mean[i]!.toFixed(4)}`).join(' ')}, slope ${r.fit.slope.toFixed(3)}, r² ${r.fit.r2.toFixed(3)}`)
    expect(r.widths).toEqual(widths)
    expect(r.mean[3]!).toBeLessThan(r.mean[1]!)
    expect(r.mean[2]!).toBeLessThan(r.mean[0]!)
    expect(r.fit.slope).toBeLessThan(-0.3)
    expect(r.fit.slope).toBeGreaterThan(-0.75)
    expect(metricSeries(events, 'rel_error')).toHaveLength(24)
  })
})
