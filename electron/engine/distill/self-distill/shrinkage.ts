// Self-distillation in kernel ridge regression (Borup & Andersen, "Even your Teacher Needs Guidance:
// Ground-Truth Targets Dampen Regularization Imposed by Self-Distillation", NeurIPS 2021), per eigenvalue d of
// the Gram matrix G = V diag(d) Vᵀ with ridge λ and weight α. Step τ fits α·y + (1 − α)·ŷ^(τ−1), ŷ^(0) = y:
//   a = d/(d + λ),   b∞ = αd/(αd + λ),   b^(τ) = b∞ + ((1 − α)a)^(τ−1)·(a − b∞)
// so the training predictions are ŷ^(τ) = V diag(b^(τ)) Vᵀ y; τ → ∞ gives b∞, ridge regression with λ/α.
// The fitted function at step τ is k(x, X)(G + λI)⁻¹ t^(τ) with targets t^(τ) = V diag(c^(τ)) Vᵀ y,
//   c^(τ) = b^(τ)/a = c∞ + ((1 − α)a)^(τ−1)·(1 − c∞),   c∞ = α(d + λ)/(αd + λ),
// which stays defined at d = 0 (a = 0), where b^(τ) alone would lose the target weights.

/** b^(τ): the factor by which step τ shrinks the label component along an eigenvector of eigenvalue d. */
export function trainShrinkage(d: number, lambda: number, alpha: number, tau: number): number {
  const a = d / (d + lambda)
  const bInf = (alpha * d) / (alpha * d + lambda)
  return bInf + Math.pow((1 - alpha) * a, tau - 1) * (a - bInf)
}

/** c^(τ): the weight of the label component in step τ's regression targets. */
export function targetWeight(d: number, lambda: number, alpha: number, tau: number): number {
  const a = d / (d + lambda)
  const cInf = (alpha * (d + lambda)) / (alpha * d + lambda)
  return cInf + Math.pow((1 - alpha) * a, tau - 1) * (1 - cInf)
}

/** One more step with weight α: c^(τ) = α + (1 − α)·a·c^(τ−1) (any α per step; c^(1) = 1). */
export function nextTargetWeight(prev: number, d: number, lambda: number, alpha: number): number {
  return alpha + (1 - alpha) * (d / (d + lambda)) * prev
}
