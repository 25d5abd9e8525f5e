import type { CliCommand } from '../command'

export const workersCommand: CliCommand = {
  name: 'workers',
  summary: 'list the workers connected to a Redis queue and its waiting/active/failed job counts',
  usage: `Usage: ntkw workers --redis URL [--json] [--insecure]

Options:
  --redis URL     redis://:PASSWORD@HOST:PORT/DB, or rediss:// for TLS
  --json          print the status as JSON
  --insecure      allow a Redis on another machine without a password
`,
  options: { redis: { type: 'string' }, json: { type: 'boolean' }, insecure: { type: 'boolean' } },
  load: () => import('../actions/workers'),
}
