import { mkdirSync, readFileSync, writeFileSync, renameSync, existsSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { z } from 'zod'
import { Settings, type RecentEntry } from '../../shared/index'

const MAX_RECENT = 12

const FileSchema = z.object({
  settings: Settings.default(Settings.parse({})),
  recent: z.array(z.object({ path: z.string(), name: z.string(), openedAt: z.number() })).default([]),
  window: z.object({ x: z.number().optional(), y: z.number().optional(), width: z.number(), height: z.number(), maximized: z.boolean().default(false) }).optional(),
})
type FileShape = z.infer<typeof FileSchema>

/** The per-user config folder: Electron passes userData; the CLI uses $NTKW_CONFIG_DIR or ~/.config/ntk-workbench. */
export function defaultConfigDir(): string {
  if (process.env.NTKW_CONFIG_DIR) return process.env.NTKW_CONFIG_DIR
  const base = process.env.XDG_CONFIG_HOME ?? path.join(os.homedir(), '.config')
  return path.join(base, 'ntk-workbench')
}

/** Settings, recent projects and window bounds in one small JSON file, written atomically. */
export class SettingsStore {
  private data: FileShape
  private readonly file: string

  constructor(readonly dir: string) {
    this.file = path.join(dir, 'settings.json')
    this.data = FileSchema.parse({})
    try {
      if (existsSync(this.file)) {
        const parsed = FileSchema.safeParse(JSON.parse(readFileSync(this.file, 'utf8')))
        if (parsed.success) this.data = parsed.data
      }
    } catch {
      /* unreadable settings fall back to defaults; the file is rewritten on the next change */
    }
  }

  private save(): void {
    mkdirSync(this.dir, { recursive: true })
    const tmp = `${this.file}.tmp-${process.pid}`
    // owner-only: a Redis URL in Settings ▸ Compute carries its password
    writeFileSync(tmp, JSON.stringify(this.data, null, 2), { mode: 0o600 })
    renameSync(tmp, this.file)
  }

  get settings(): Settings {
    return this.data.settings
  }

  update(patch: Partial<Settings>): Settings {
    this.data.settings = Settings.parse({ ...this.data.settings, ...patch })
    this.save()
    return this.data.settings
  }

  recent(): RecentEntry[] {
    return this.data.recent.map((r) => ({ ...r, exists: existsSync(r.path) }))
  }

  addRecent(file: string): void {
    const abs = path.resolve(file)
    this.data.recent = [{ path: abs, name: path.basename(abs, '.ntkw'), openedAt: Date.now() }, ...this.data.recent.filter((r) => r.path !== abs)].slice(0, MAX_RECENT)
    this.save()
  }

  get window(): FileShape['window'] {
    return this.data.window
  }

  setWindow(w: NonNullable<FileShape['window']>): void {
    this.data.window = w
    this.save()
  }
}
