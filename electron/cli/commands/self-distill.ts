import type { CliCommand } from '../command'
import { ArchFlagSet, TRAIN_TEST_OPTIONS } from '../flags'

export const selfDistillArchFlags = new ArchFlagSet({ kindFlag: 'kind', archFile: true })

export const selfDistillCommand: CliCommand = {
  name: 'self-distill',
  summary: 'kernel self-distillation (Borup & Andersen): test predictions of steps 1..S in closed form',
  usage: `Usage: ntkw self-distill --x-train A.npy --y-train Y.npy --x-test B.npy --depth L --activation ACT
                         [--w-std S] [--b-std B] [--kind ntk|nngp] --diag-reg R --alpha A --steps S
                         --out P.npy
       ntkw self-distill ... --arch ARCH.json [--w-std S] [--b-std B] (the network of ARCH.json, as ntkw kernel)

Self-distillation in kernel ridge regression with the infinite-width NTK/NNGP of L × (Dense → activation)
→ Dense (Borup & Andersen, "Even your Teacher Needs Guidance", NeurIPS 2021): step τ fits the targets
α·y + (1 − α)·ŷ^(τ−1) on the training points (ŷ^(0) = y, so step 1 is kernel ridge regression). All steps
come from one eigendecomposition of the training kernel (float32, refined in float64); as τ → ∞ the fit
tends to ridge regression with λ/α.

Options:
  --x-train A.npy     training points [n, d], float32 or float64
  --y-train Y.npy     training targets [n] or [n, K] (one-hot rows for classes)
  --x-test B.npy      test points [m, d]
${selfDistillArchFlags.help(20)}
  --diag-reg R        relative ridge, > 0: λ = R · trace(K)/n (as ntkw predict)
  --alpha A           weight of the ground-truth targets at every step, 0..1
  --steps S           number of distillation steps (1..200)
  --out P.npy         test predictions, float32 [S, m, K]: row τ−1 holds step τ
  --y-test YT.npy     test targets: report the test MSE of the first and last step on stderr
  --quiet             no progress on stderr

Prints the path of the written file on stdout.
`,
  options: {
    ...TRAIN_TEST_OPTIONS,
    ...selfDistillArchFlags.options,
    'diag-reg': { type: 'string' },
    alpha: { type: 'string' },
    steps: { type: 'string' },
    out: { type: 'string' },
    quiet: { type: 'boolean' },
  },
  choices: selfDistillArchFlags.choices,
  load: () => import('../actions/self-distill'),
}
