import type { CliCommand } from '../command'

/** engine/distill/losses LOSS_DEFAULTS as help text (the engine stays out of start-up; a test keeps them equal) */
export const LOSS_DEFAULTS_HELP = {
  ce: 'no parameters',
  kd: 'T = 4, alpha = 0.9',
  nkd: 'T = 1, gamma = 1.5',
  dkd: 'T = 4, alpha = 1, beta = 8',
  topkld: 'T = 4, k = 5, lambda = 1',
}
const fmtDefaults = (k: keyof typeof LOSS_DEFAULTS_HELP): string => LOSS_DEFAULTS_HELP[k]

export const lossCommand: CliCommand = {
  name: 'loss',
  summary: 'a knowledge-distillation loss (ce, kd, nkd, dkd, topkld) of student vs teacher logits, as {"loss": value}',
  usage: `Usage: ntkw loss --kind ce|kd|nkd|dkd|topkld --student ZS.npy --teacher ZT.npy --labels Y.npy
                 [--temperature T] [--alpha A] [--beta B] [--gamma G] [--k K] [--lambda L]

Computes one distillation loss in float64, averaged over the batch (the rows), and prints {"loss": value}.
Each loss is the distillation term alone; a trainer adds cross-entropy on the labels with its own weight.
  ce       −log softmax(z_s)[y]                                        (${fmtDefaults('ce')})
  kd       α·T²·KL(softmax(z_t/T) ‖ softmax(z_s/T)), Hinton et al.     (${fmtDefaults('kd')})
  nkd      −p_t(y)·log p_s(y) − γ·T²·Σ_{k≠y} q_t(k)·log q_s(k), q over the non-target classes at T (${fmtDefaults('nkd')})
  dkd      T²·(α·TCKD + β·NCKD), Zhao et al. (no warm-up factor)      (${fmtDefaults('dkd')})
  topkld   T²·(forward KL on the teacher's top-k classes + λ·reverse KL on the rest) (${fmtDefaults('topkld')})

Options:
  --kind K            the loss (required)
  --student ZS.npy    student logits [n, C]
  --teacher ZT.npy    teacher logits [n, C] (required for every kind except ce)
  --labels Y.npy      class labels: [n] integers 0..C−1, or [n, C] one-hot
  --temperature T     softmax temperature, > 0
  --alpha A           KD weight; DKD weight of TCKD
  --beta B            DKD weight of NCKD
  --gamma G           NKD weight of the non-target term
  --k K               TopKLD head size (integer ≥ 1, clipped to C)
  --lambda L          TopKLD weight of the reverse KL on the tail
`,
  options: {
    kind: { type: 'string' },
    student: { type: 'string' },
    teacher: { type: 'string' },
    labels: { type: 'string' },
    temperature: { type: 'string' },
    alpha: { type: 'string' },
    beta: { type: 'string' },
    gamma: { type: 'string' },
    k: { type: 'string' },
    lambda: { type: 'string' },
  },
  load: () => import('../actions/loss'),
}
