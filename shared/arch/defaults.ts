// Architecture defaults, once for every form, flag and engine module.
// σ_w = 1 and no bias are neural-tangents' stax.Dense/Conv defaults (W_std = 1.0, b_std = None), so a kernel
// computed here with the defaults equals stax's; √2 (He scaling for ReLU) is offered by presets, not as a
// silent default. BIAS_STD_SUGGESTED is what a form's bias field starts from once the user turns bias on.
export const DEFAULT_W_STD = 1
export const DEFAULT_B_STD: number | null = null
export const BIAS_STD_SUGGESTED = 0.1
export const DEFAULT_PARAMETERIZATION = 'ntk' as const
/** hidden Dense+activation pairs of the FC form */
export const DEFAULT_DEPTH = 2
/** σ_w = √2 (He scaling), the critical value for ReLU: KIP's reference settings (Nguyen et al. 2021) start from it */
export const HE_W_STD = Math.SQRT2
