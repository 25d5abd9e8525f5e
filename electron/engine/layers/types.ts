import type * as tf from '@tensorflow/tfjs-core'

// The contract of a layer module (stax style: Novak et al. 2020, "Neural Tangents"): each layer kind holds,
// side by side, its infinite-width kernel rule on one pair of points and its finite forward pass in the NTK
// parameterization, so the two cannot drift. ntk/ runs the kernel rules over tiles of pairs; the finite
// forwards build wide networks whose empirical kernels converge to the analytic ones.

/**
 * The kernel state of one pair of points (x, x′) between two layers. Spatial layers carry, per pair,
 * either the whole covariance between the h·w positions of x and those of x′ (`full`: (h·w)² entries,
 * index i·P + j, position i = row·w + col) or only its diagonal (h·w entries): the diagonal suffices unless a
 * pooling layer still lies ahead (Novak et al. 2019, §3.1; Arora et al. 2019, §4). After flatten or global
 * pooling h = w = 1. Rules write into the `alt` buffers and swap, so a pass over a tile allocates nothing.
 */
export interface PairState {
  h: number
  w: number
  full: boolean
  nngp: Float64Array
  nngpAlt: Float64Array
  /** null: only the NNGP is tracked */
  ntk: Float64Array | null
  ntkAlt: Float64Array | null
  /** scratch for separable passes (twice the capacity of the buffers: Σ and Θ side by side) */
  tmp: Float64Array
}

/**
 * Per-position variances q(p) = Σ(x, x)_pp of the two points at the current layer (P = h·w entries each),
 * which an activation needs beside the pair's covariance. null: the pair is a point with itself (the
 * self pass that produces these), so the rule reads them off the state's own diagonal.
 */
export interface PairVariances {
  row: Float64Array
  col: Float64Array
}

/** One layer's kernel rule on a pair: Σ, Θ (and the spatial shape) of the layer's input → its output. */
export type PairRule = (s: PairState, v: PairVariances | null) => void

/** Entries per pair in the current state. */
export function pairSize(s: Pick<PairState, 'h' | 'w' | 'full'>): number {
  const p = s.h * s.w
  return s.full ? p * p : p
}

export function swapNngp(s: PairState): void {
  const t = s.nngp
  s.nngp = s.nngpAlt
  s.nngpAlt = t
}

export function swapNtk(s: PairState): void {
  const t = s.ntk
  s.ntk = s.ntkAlt
  s.ntkAlt = t
}

/** A finite layer's parameters (NTK parameterization: W, b ~ N(0, 1), scaled in the forward pass). */
export interface LayerParams {
  w?: tf.Tensor
  b?: tf.Tensor
}

/**
 * The kernel state of a batch of B pairs as tensors, differentiable in the points (KIP learns support
 * images through it): Σ and Θ on the spatial diagonal, [B, h·w]. The same rules as the per-pair float64
 * ones, in tfjs ops, for networks whose state stays on the diagonal (no pooling).
 */
export interface PairBatch {
  h: number
  w: number
  nngp: tf.Tensor2D
  /** null: only the NNGP is tracked */
  ntk: tf.Tensor2D | null
}

/** Per-position variances of the two points of each pair, [B, h·w] each; null: a self pass. */
export interface PairBatchVariances {
  row: tf.Tensor2D
  col: tf.Tensor2D
  /** [B, 1]: 1 where the pair is a point with itself (correlation exactly 1), else 0; null: none */
  pin: tf.Tensor2D | null
}

export type PairBatchRule = (s: PairBatch, v: PairBatchVariances | null) => PairBatch
