import type { CliCommand } from '../command'
import { BACKEND_CHOICES, REDIS_JOB_HELP, REDIS_JOB_OPTIONS } from '../flags'

export const runCommand: CliCommand = {
  name: 'run',
  summary: 'run any job spec (JSON) headless, with progress on stderr and the result on stdout',
  usage: `Usage: ntkw run SPEC.json [--project FILE] [--out DIR] [--backend B] [--redis URL [--insecure]] [--quiet]

Runs one JobSpec (see 'ntkw schema') in this process. SPEC.json may be '-' for standard input.
With --redis, the kinds it names send their work to workers; a spec of another kind is refused.

Options:
  --project FILE  record the run, its metrics and artifacts in this .ntkw project (created if missing);
                  specs that reference project datasets need it
  --out DIR       write artifacts as .npy/.json files into DIR (default: the current directory when
                  no --project is given)
  --backend B     auto (default) | tensorflow-gpu | tensorflow | webgpu | wasm | cpu
${REDIS_JOB_HELP(18, 'compute kernel and predict specs (a job per kernel tile), width-sweep and\n                  empirical-kernel specs (a job per network), distill-study specs (a job per\n                  loss and seed; the teacher runs here) and quantize specs (a job per cell of\n                  the sweep; sensitivity, mixed precision, export and QAT run here)')}
  --quiet         no progress output

Output: the job's result as JSON on stdout. Exit code 0 on success, 1 on failure, 130 when cancelled (Ctrl-C).
`,
  options: { project: { type: 'string' }, out: { type: 'string' }, backend: { type: 'string' }, ...REDIS_JOB_OPTIONS, quiet: { type: 'boolean' } },
  choices: { backend: BACKEND_CHOICES },
  positionals: true,
  load: () => import('../actions/run'),
}
