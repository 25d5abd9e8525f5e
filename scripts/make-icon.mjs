// Draws the app icon (build/icon.png, 1024×1024): a rounded tile holding a small kernel-matrix heatmap,
// the picture of what the app computes. electron-builder derives .ico/.icns from it.
import { PNG } from 'pngjs'
import { writeFileSync } from 'node:fs'

const S = 1024
const png = new PNG({ width: S, height: S })
const radius = 200
const cells = 8
const pad = 190
const cell = (S - 2 * pad) / cells
function inRounded(x, y) {
  const cx = Math.min(Math.max(x, radius), S - radius)
  const cy = Math.min(Math.max(y, radius), S - radius)
  return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2
}
for (let y = 0; y < S; y++) {
  for (let x = 0; x < S; x++) {
    const i = (y * S + x) * 4
    if (!inRounded(x, y)) {
      png.data[i + 3] = 0
      continue
    }
    const t = (x + y) / (2 * S)
    let r = 22 + 20 * t
    let g = 30 + 30 * t
    let b = 60 + 70 * t
    const gx = Math.floor((x - pad) / cell)
    const gy = Math.floor((y - pad) / cell)
    const inGrid = gx >= 0 && gy >= 0 && gx < cells && gy < cells
    const gap = ((x - pad) % cell) < 8 || ((y - pad) % cell) < 8
    if (inGrid && !gap) {
      // ReLU-NTK-like similarity: high on the diagonal, decaying away from it, two class blocks.
      const same = (gx < cells / 2) === (gy < cells / 2)
      const k = Math.exp(-Math.abs(gx - gy) / 2.2) * 0.75 + (same ? 0.25 : 0)
      r = 40 + 215 * k
      g = 90 + 120 * k * (1 - 0.3 * k)
      b = 200 - 150 * k
    }
    png.data[i] = r
    png.data[i + 1] = g
    png.data[i + 2] = b
    png.data[i + 3] = 255
  }
}
writeFileSync(new URL('../build/icon.png', import.meta.url), PNG.sync.write(png))
