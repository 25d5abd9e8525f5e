import type { CliCommand } from '../command'
import { BACKEND_CHOICES } from '../flags'

export const workerCommand: CliCommand = {
  name: 'worker',
  summary: 'serve kernel tiles and empirical samples from a Redis queue (BullMQ) until stopped: one per core or GPU per machine',
  usage: `Usage: ntkw worker --redis URL [--concurrency N] [--backend B] [--name NAME] [--insecure]

Takes the jobs queued by \`ntkw kernel | empirical | predict | run ... --redis URL\`: kernel tiles, and
empirical samples (one finite network's NTK per job: a width sweep's (width, seed), an empirical kernel's
networks). Computes them with this machine's engine (in worker threads, so lock renewal never waits for a
long job), publishing each result once under its id. Logs one line per job on stderr (total and compute
time). SIGTERM or Ctrl-C finishes the jobs in hand, then exits; a second signal hands them back to the
queue at once. See docs/distributed.md.

Options:
  --redis URL          redis://:PASSWORD@HOST:PORT/DB, or rediss:// for TLS
  --concurrency N      jobs computed at once, each on its own thread (default 1; 1..64)
  --backend B          tfjs backend for the jobs (default auto): ${BACKEND_CHOICES.join(', ')}
  --name NAME          name shown by \`ntkw workers\` (default HOST-PID)
  --insecure           allow a Redis on another machine without a password
`,
  options: {
    redis: { type: 'string' },
    concurrency: { type: 'string' },
    backend: { type: 'string' },
    name: { type: 'string' },
    insecure: { type: 'boolean' },
  },
  choices: { backend: BACKEND_CHOICES },
  load: () => import('../actions/worker'),
}
