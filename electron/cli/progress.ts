import type { JobEvent } from '../../shared/index'
import type { CliIo } from './command'

function fmtEta(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return ''
  if (s < 60) return ` ETA ${Math.ceil(s)}s`
  const m = Math.floor(s / 60)
  return ` ETA ${m}m${String(Math.ceil(s % 60)).padStart(2, '0')}s`
}

/**
 * Renders job events on stderr: a redrawn bar on a terminal, plain lines (at most one per second)
 * otherwise, so logs of scripted runs stay readable.
 */
export function progressReporter(io: CliIo, label: string, opts: { quiet?: boolean } = {}): { onEvent(e: JobEvent): void; end(): void } {
  let lastLine = 0
  let drawn = false
  const width = 28
  const clear = (): void => {
    if (drawn && io.isTTY) io.err('\r\x1b[2K')
    drawn = false
  }
  return {
    onEvent(e) {
      // --quiet silences progress, not warnings: a warning says the result may not be what was asked for
      if (e.type === 'progress') {
        if (opts.quiet) return
        const pct = Math.round(e.fraction * 100)
        if (io.isTTY) {
          const filled = Math.round(e.fraction * width)
          io.err(`\r\x1b[2K${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(pct).padStart(3)}%${fmtEta(e.eta)} ${e.message}`.slice(0, 160))
          drawn = true
        } else if (Date.now() - lastLine >= 1000 || e.fraction >= 1) {
          lastLine = Date.now()
          io.err(`${label}: ${pct}%${fmtEta(e.eta)} ${e.message}\n`)
        }
      } else if (e.type === 'log' && (e.level === 'warn' || e.level === 'error')) {
        clear()
        io.err(`${label}: ${e.level}: ${e.message}\n`)
      }
    },
    end() {
      clear()
    },
  }
}
