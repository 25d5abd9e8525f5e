import type { ParseArgsConfig } from 'node:util'

/**
 * One CLI subcommand, split in two so `ntkw --help`, `ntkw CMD --help` and argument errors never load the
 * engine: this descriptor (plain data, imported by every start) and its action module, imported by `load`
 * only when the command runs. A descriptor imports nothing heavier than `../flags`; its help text is the
 * source of truth for `ntkw --help` and `ntkw CMD --help`.
 */
export interface CliCommand {
  name: string
  /** one line for the command list */
  summary: string
  /** full usage block, flags exactly as documented */
  usage: string
  options?: ParseArgsConfig['options']
  /**
   * Flags that take one of a fixed set of values (enums of the contract). The shared parser rejects any
   * other value before `run`, with a message listing the valid choices.
   */
  choices?: Record<string, readonly string[]>
  /** allow positional arguments */
  positionals?: boolean
  /** the action module (a dynamic import: tfjs, SQLite and zod load only here) */
  load(): Promise<{ run(args: CliArgs): Promise<number> }>
}

export interface CliArgs {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>
  positionals: string[]
  io: CliIo
}

export interface CliIo {
  out(text: string): void
  err(text: string): void
  /** true when stderr is a terminal (draw a live progress bar) */
  isTTY: boolean
}
