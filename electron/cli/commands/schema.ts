import type { CliCommand } from '../command'
import { implementedKinds } from '../../engine/jobs/registry'

// Only kinds with a runner are offered: a spec of a kind still being built would be accepted and then fail.
export const KINDS = implementedKinds()

export const schemaCommand: CliCommand = {
  name: 'schema',
  summary: 'print the JSON schema of job specs (all kinds, or one KIND)',
  usage: `Usage: ntkw schema [KIND]

Prints the JSON Schema (draft 2020-12) of the JobSpec accepted by 'ntkw run' and the app.
Without KIND: the union of every kind. Kinds: ${KINDS.join(', ')}
`,
  positionals: true,
  load: () => import('../actions/schema'),
}
