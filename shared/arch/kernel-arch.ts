import { z } from 'zod'
import { DEFAULT_B_STD, DEFAULT_W_STD } from './defaults'
import { FcArch } from './fc'
import { NetArch } from './layers'

// The architecture of a kernel job: the FC network of --depth/--activation (FcArch), or an ARCH.json read with
// infinite-width semantics (kernel-plan.ts) with the command's σ_w/σ_b as the defaults of every conv and dense
// layer that gives none. Specs saved before ARCH.json kernels existed hold an FcArch and stay valid.
export const NetKernelArch = z
  .object({
    net: NetArch,
    /** σ_w of conv/dense layers without their own wStd (the CLI's --w-std) */
    wStd: z.number().positive().finite().default(DEFAULT_W_STD),
    /** σ_b of conv/dense layers without their own bStd (the CLI's --b-std); null: no bias */
    bStd: z.number().min(0).finite().nullable().default(DEFAULT_B_STD),
  })
  .strict()
export type NetKernelArch = z.infer<typeof NetKernelArch>

export const KernelArch = z.union([FcArch, NetKernelArch])
export type KernelArch = z.infer<typeof KernelArch>

/** A network of finite size whose empirical NTK is computed: an FC network of finite width, or an ARCH.json with its filters and units as widths. */
export const FiniteKernelArch = z.union([FcArch.extend({ width: z.number().int().min(1).max(1 << 16) }), NetKernelArch])
export type FiniteKernelArch = z.infer<typeof FiniteKernelArch>

export function isNetKernelArch(a: unknown): a is NetKernelArch {
  return typeof a === 'object' && a !== null && 'net' in a
}
