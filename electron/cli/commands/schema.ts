import { z } from 'zod'
import type { CliCommand } from '../command'
import { JOB_KINDS, JobSpec, jobSchemaOf, type JobKind } from '../../../shared/index'

export const schemaCommand: CliCommand = {
  name: 'schema',
  summary: 'print the JSON schema of job specs (all kinds, or one KIND)',
  usage: `Usage: ntkw schema [KIND]

Prints the JSON Schema (draft 2020-12) of the JobSpec accepted by 'ntkw run' and the app.
Without KIND: the union of every kind. Kinds: ${JOB_KINDS.join(', ')}
`,
  positionals: true,
  async run({ positionals, io }) {
    const kind = positionals[0]
    if (positionals.length > 1) throw new Error('expected at most one KIND')
    if (kind !== undefined && !JOB_KINDS.includes(kind as JobKind)) {
      io.err(`ntkw schema: unknown kind '${kind}'. Kinds: ${JOB_KINDS.join(', ')}\n`)
      return 2
    }
    const schema = kind ? jobSchemaOf(kind as JobKind) : JobSpec
    io.out(JSON.stringify(z.toJSONSchema(schema, { io: 'input' }), null, 2) + '\n')
    return 0
  },
}
