import { z } from 'zod'
import { FiniteKernelArch, KernelArch } from '../arch/kernel-arch'
import { DataRef } from './data-ref'

// The fields every job kind has, and the two kernel kinds: their own module, so that a kernel job (the
// commands `ntkw kernel` and `ntkw empirical`) is checked without building the schemas of every other kind
// (engine/jobs/parse-spec.ts). spec.ts joins them into the JobSpec contract.

export const Common = {
  /** display name */
  name: z.string().max(200).optional(),
  /** RNG seed; recorded with the run so the same seed and backend give the same numbers */
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
}

export const KernelKind = z.enum(['ntk', 'nngp'])

export const KernelSpec = z.object({
  kind: z.literal('kernel'),
  ...Common,
  x: DataRef,
  x2: DataRef.optional(),
  /** an FC network, or {net: ARCH.json, wStd, bStd} read with infinite-width semantics */
  arch: KernelArch,
  /** which kernels to compute */
  kernels: z.array(KernelKind).min(1).default(['ntk']),
  /** tile edge for streamed computation; absent: chosen from the size (512, or 1024 from 8192 points) */
  tileSize: z.number().int().min(64).max(8192).optional(),
  /** threads computing tiles: this one and workers − 1 worker threads; 0 = one per core */
  workers: z.number().int().min(0).max(64).default(0),
  /** edge of the block-averaged heatmap stored beside the kernel (rows sorted by class when x has labels); 0 = none */
  heatmapSize: z.number().int().min(0).max(256).default(256),
  /** eigenvalues stored for a seeded subsample of this many points (all when n is smaller); 0 = none */
  spectrumPoints: z.number().int().min(0).max(3000).default(1500),
})

export const EmpiricalKernelSpec = z.object({
  kind: z.literal('empirical-kernel'),
  ...Common,
  x: DataRef,
  x2: DataRef.optional(),
  /** a finite FC network, or {net: ARCH.json, wStd, bStd} with the file's filters and units as its widths */
  arch: FiniteKernelArch,
  /** Monte-Carlo average over this many independently initialised networks */
  samples: z.number().int().min(1).max(1000).default(1),
  /** 'trace' averages over output units; 'per-output' keeps one kernel per output */
  outputs: z.enum(['trace', 'per-output']).default('trace'),
  outDim: z.number().int().min(1).max(4096).default(1),
})
