import { z } from 'zod'
import type { CliCommand } from '../command'
import { JobSpec, jobSchemaOf, type JobKind } from '../../../shared/index'
import { implementedKinds } from '../../engine/jobs/registry'

// Only kinds with a runner are offered: a spec of a kind still being built would be accepted and then fail.
const KINDS = implementedKinds()

export const schemaCommand: CliCommand = {
  name: 'schema',
  summary: 'print the JSON schema of job specs (all kinds, or one KIND)',
  usage: `Usage: ntkw schema [KIND]

Prints the JSON Schema (draft 2020-12) of the JobSpec accepted by 'ntkw run' and the app.
Without KIND: the union of every kind. Kinds: ${KINDS.join(', ')}
`,
  positionals: true,
  async run({ positionals, io }) {
    const kind = positionals[0]
    if (positionals.length > 1) throw new Error('expected at most one KIND')
    if (kind !== undefined && !KINDS.includes(kind as JobKind)) {
      io.err(`ntkw schema: unknown kind '${kind}'. Kinds: ${KINDS.join(', ')}\n`)
      return 2
    }
    const offered = JobSpec.options.filter((o) => KINDS.includes(o.shape.kind.value))
    type Option = (typeof offered)[number]
    const schema = kind ? jobSchemaOf(kind as JobKind) : z.discriminatedUnion('kind', offered as [Option, ...Option[]])
    io.out(JSON.stringify(z.toJSONSchema(schema, { io: 'input' }), null, 2) + '\n')
    return 0
  },
}
