import { parseArgs } from 'node:util'
import { errorInfo } from '../../shared/errors'
import type { CliCommand, CliIo } from './command'
import { commands } from './commands/index'
import { APP_VERSION } from '../engine/runtime/version'
import { threadsEnded } from '../engine/core/threads'
import { checkChoices } from './flags'
import { followParent, relaunch, wantsRelaunch } from './relaunch'

const io: CliIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  isTTY: Boolean(process.stderr.isTTY),
}

function mainHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length))
  return [
    `ntkw ${APP_VERSION}: NTK Workbench engine, headless`,
    '',
    'Usage: ntkw <command> [options]',
    '       ntkw <command> --help     details and every flag of one command',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Global options:',
    '  --help, -h     show help',
    '  --version      print the version',
    '',
  ].join('\n')
}

/**
 * `--depth -1` reaches parseArgs as an unknown option '-1'; a negative number right after a flag that
 * takes a value is that flag's value, so it gets the flag's own range check and message.
 */
function joinNegativeValues(argv: string[], options: CliCommand['options']): string[] {
  const out: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    const next = argv[i + 1]
    const opt = a.startsWith('--') && !a.includes('=') ? options?.[a.slice(2)] : undefined
    if (opt?.type === 'string' && next !== undefined && /^-(\d|\.\d|inf|nan)/i.test(next)) {
      out.push(`${a}=${next}`)
      i++
    } else out.push(a)
  }
  return out
}

async function runCommand(cmd: CliCommand, argvIn: string[]): Promise<number> {
  if (argvIn.includes('--help') || argvIn.includes('-h')) {
    io.out(cmd.usage.endsWith('\n') ? cmd.usage : cmd.usage + '\n')
    return 0
  }
  const argv = joinNegativeValues(argvIn, cmd.options)
  const parsed = parseArgs({ args: argv, options: { ...(cmd.options ?? {}) }, allowPositionals: Boolean(cmd.positionals), strict: true })
  checkChoices(parsed.values, cmd.choices)
  const action = await cmd.load()
  return action.run({ values: parsed.values as never, positionals: parsed.positionals, io })
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    if (name === 'help' && rest[0]) return main([rest[0], '--help'])
    io.out(mainHelp())
    return 0
  }
  if (name === '--version' || name === '-v') {
    io.out(`${APP_VERSION}\n`)
    return 0
  }
  const cmd = commands.find((c) => c.name === name)
  if (!cmd) {
    io.err(`ntkw: unknown command '${name}'. Run 'ntkw --help' for the list.\n`)
    return 2
  }
  try {
    return await runCommand(cmd, rest)
  } catch (e) {
    const info = errorInfo(e)
    const argError = (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    io.err(`ntkw ${name}: error: ${info.message}\n`)
    if (info.hint) io.err(`  hint: ${info.hint}\n`)
    if (argError) io.err(`  see 'ntkw ${name} --help'\n`)
    return argError ? 2 : 1
  }
}

const argv = process.argv.slice(2)
followParent()
const code = wantsRelaunch(argv) ? await relaunch(argv) : await main(argv)
// Threads a cancelled or failed job is ending finish the tile in hand first: process.exit would terminate
// them, inside a native GEMM perhaps, which aborts the process (engine/core/threads.ts).
await threadsEnded()
// Let pending stdout writes flush; worker threads or sockets must not keep a finished command alive.
process.exitCode = code
if (!['serve'].includes(process.argv[2] ?? '')) setImmediate(() => process.exit(code))
