// A kernel worker's tfjs side (its backend, the op-based and spatial tiles), loaded by ntk/kernel-worker.ts
// for the tiles that need it: fused FC tiles on MLAS do not (ntk/tile-fused.ts).
export { initBackend } from '../runtime/backend'
export { fcLayers } from './layers'
export { computeTile, TileInputCache } from './tile'
export { SpatialTiler } from './spatial'
