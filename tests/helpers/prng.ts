// the seeded uniform [0, 1) stream the bundled examples are drawn from: tests replay a random case from its seed
export { mulberry32 } from '../../scripts/mulberry32.mjs'
