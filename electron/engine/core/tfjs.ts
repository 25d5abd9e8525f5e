import { createRequire } from 'node:module'
import type * as Tf from '@tensorflow/tfjs-core'

// tfjs-core, loaded the first time a computation reaches for it. Modules on paths that often compute without
// tfjs (the empirical NTK of an MLP, the fused FC kernel tiles: plain arrays and MLAS) read it through here
// instead of a static import, so a process that never needs it never loads it (≈ 65–80 ms of start-up with
// its wasm backend here, docs/performance.md). It is the same module instance a static import gets: Node
// shares one CommonJS cache between require and import, and the bundle reads tfjs-core through require too
// (scripts/build-node.mjs).
const require = createRequire(import.meta.url)
let tf: typeof Tf | null = null

export function tfjs(): typeof Tf {
  return (tf ??= require('@tensorflow/tfjs-core') as typeof Tf)
}
