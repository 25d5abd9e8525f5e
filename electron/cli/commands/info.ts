import type { CliCommand } from '../command'
import { BACKEND_CHOICES } from '../flags'

export const infoCommand: CliCommand = {
  name: 'info',
  summary: 'versions, tfjs backends tried (and why each failed), active backend, cores',
  usage: `Usage: ntkw info [--backend auto|tensorflow-gpu|tensorflow|wasm|cpu] [--json]

Initialises the engine the way jobs do and reports:
  versions of ntkw, Node, tfjs and the optional native backends,
  every backend tried in order (tfjs-node-gpu, tfjs-node, wasm, cpu) with the reason it failed,
  the active backend and the number of CPU cores.

Options:
  --backend B   try B first (default auto = the order above)
  --json        machine-readable output
`,
  options: { backend: { type: 'string' }, json: { type: 'boolean' } },
  choices: { backend: BACKEND_CHOICES },
  load: () => import('../actions/info'),
}
