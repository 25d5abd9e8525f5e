import type { CliCommand } from '../command'
import { ArchFlagSet } from '../flags'
import { activationUsage, KIP_ACTIVATION_NAMES } from '../../../shared/arch/activation-names'

export const kipArchFlags = new ArchFlagSet({
  kindFlag: 'kernel',
  activations: activationUsage(KIP_ACTIVATION_NAMES),
  archFile: true,
  archHelp: `a convolutional kernel from ARCH.json (conv2d stride 1 same|valid, flatten, dense, activation, readout; activations ${activationUsage(KIP_ACTIVATION_NAMES)}), read with infinite-width semantics; replaces --depth/--activation. The support points are images of its "input" [h, w, c] (or of the (n, h, w, c) NPY's shape), learned in image space`,
})

export const kipCommand: CliCommand = {
  name: 'kip',
  summary: 'dataset distillation: learn K images per class by Kernel Inducing Points (KIP) with the NTK or NNGP',
  usage: `Usage: ntkw kip --x X.npy --y Y.npy [--x-test XT.npy --y-test YT.npy] --per-class K
                [--kernel ntk|nngp] (--depth L --activation ACT | --arch ARCH.json) [--w-std S] [--b-std B] [--diag-reg R]
                [--steps N] [--lr ETA] [--batch B] [--learn-labels] [--init real|noise] [--seed N]
                --out SUPPORT.npz

Distils (X, Y) into K points per class with Kernel Inducing Points (Nguyen, Chen & Lee, "Dataset
Meta-Learning from Kernel Ridge-Regression", ICLR 2021): Adam on the support points (and, with
--learn-labels, their labels) minimising ½·mean‖y_t − K_ts (K_ss + εI)⁻¹ y_s‖² over class-balanced target
batches (X_t, y_t) drawn from X, where K is the analytic NTK or NNGP of the infinite-width network
L × (Dense → activation) → Dense or of the convolutional network in ARCH.json (its kernel and its
gradient in the support images come from the same layer modules as \`ntkw kernel --arch\`), ε = R ·
trace(K_ss)/|s| and labels are one-hot − 1/C.

Options:
  --x X.npy           training points [n, d], float32 or float64 (standardise them first)
  --y Y.npy           integer class labels [n], 0 … C−1, every class present
  --x-test XT.npy     held-out points: kernel-regression test accuracy of the support set on stderr
  --y-test YT.npy     their integer labels (give both test flags or neither)
  --per-class K       support points per class (at most the smallest class size)
${kipArchFlags.help(20)}
  --diag-reg R        relative regularisation of K_ss: ε = R · trace(K_ss)/|s| (default 1e-6)
  --steps N           Adam steps (default 1000)
  --lr ETA            Adam learning rate (default 0.01)
  --batch B           class-balanced target batch size (default 1000)
  --learn-labels      also learn the support labels
  --init I            real (default): K random training samples per class (seeded); noise: Gaussian
  --seed N            seed of the initial support set and the target batches (default 0)
  --eval-every N      test accuracy and SUPPORT.npz refreshed every N steps (default 50)
  --out SUPPORT.npz   x: float32 [K·C, d] support points (class-major: class c is rows c·K … c·K+K−1),
                      y: float32 [K·C, C] the labels kernel regression should use with them
  --quiet             no progress on stderr

SUPPORT.npz is rewritten at every evaluation, so Ctrl-C keeps the last support set. Prints its path.
`,
  options: {
    x: { type: 'string' },
    y: { type: 'string' },
    'x-test': { type: 'string' },
    'y-test': { type: 'string' },
    'per-class': { type: 'string' },
    ...kipArchFlags.options,
    'diag-reg': { type: 'string' },
    steps: { type: 'string' },
    lr: { type: 'string' },
    batch: { type: 'string' },
    'learn-labels': { type: 'boolean' },
    init: { type: 'string' },
    seed: { type: 'string' },
    'eval-every': { type: 'string' },
    out: { type: 'string' },
    quiet: { type: 'boolean' },
  },
  choices: kipArchFlags.choices,
  load: () => import('../actions/kip'),
}
