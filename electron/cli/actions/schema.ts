import { z } from 'zod'
import type { CliArgs } from '../command'
import { JobSpec, jobSchemaOf, type JobKind } from '../../../shared/index'
import { KINDS } from '../commands/schema'


export async function run({ positionals, io }: CliArgs): Promise<number> {
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
}
