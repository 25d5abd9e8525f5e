import { mkdirSync, existsSync } from 'node:fs'
import path from 'node:path'
import type { ProjectInfo } from '../../shared/index'
import { UserError } from '../../shared/errors'
import { backupProject, checkpoint, createProject, openProject, projectCreatedAt, schemaVersionOf, type ProjectHandle } from '../engine/store/project-db'
import { RunStore } from '../engine/store/runs'
import type { SettingsStore } from './settings-store'

/**
 * The open project. Every change is committed as it happens (SQLite WAL), so "save" is implicit; autosave
 * checkpoints the WAL into the main file periodically, and Save As makes an atomic copy and switches to it.
 */
export class ProjectService {
  private handle: ProjectHandle | null = null
  private runStore: RunStore | null = null
  private untitled = false
  private autosaveTimer: NodeJS.Timeout | null = null
  onChange: (p: ProjectInfo | null) => void = () => {}

  constructor(
    private readonly settings: SettingsStore,
    private readonly scratchDir: string,
  ) {}

  get current(): { handle: ProjectHandle; runs: RunStore } | null {
    return this.handle && this.runStore ? { handle: this.handle, runs: this.runStore } : null
  }

  info(): ProjectInfo | null {
    const h = this.handle
    if (!h) return null
    return { path: h.path, name: path.basename(h.path, '.ntkw'), untitled: this.untitled, schemaVersion: schemaVersionOf(h.db), createdAt: projectCreatedAt(h.db) }
  }

  private adopt(h: ProjectHandle, untitled: boolean): ProjectInfo {
    this.closeQuietly()
    this.handle = h
    this.runStore = new RunStore(h.db)
    this.untitled = untitled
    this.runStore.failInterrupted()
    if (!untitled) this.settings.addRecent(h.path)
    this.startAutosave()
    const info = this.info()!
    this.onChange(info)
    return info
  }

  create(file?: string): ProjectInfo {
    if (file) return this.adopt(createProject(withExtension(file)), false)
    mkdirSync(this.scratchDir, { recursive: true })
    const stamp = new Date().toISOString().replace(/[:.]/g, '-')
    return this.adopt(createProject(path.join(this.scratchDir, `Untitled ${stamp}.ntkw`)), true)
  }

  open(file: string): ProjectInfo {
    // Open first: if it fails the current project stays open and untouched.
    const h = openProject(path.resolve(file))
    return this.adopt(h, isInside(h.path, this.scratchDir))
  }

  async saveAs(file: string): Promise<ProjectInfo> {
    const h = this.handle
    if (!h) throw new UserError('no_project', 'no project is open')
    const dest = path.resolve(withExtension(file))
    if (dest === h.path) {
      checkpoint(h.db)
      return this.info()!
    }
    if (!existsSync(path.dirname(dest))) throw new UserError('no_folder', `folder ${path.dirname(dest)} does not exist`, 'Choose an existing folder.')
    await backupProject(h.db, dest)
    return this.adopt(openProject(dest), false)
  }

  close(): void {
    this.closeQuietly()
    this.onChange(null)
  }

  private closeQuietly(): void {
    if (this.autosaveTimer) clearInterval(this.autosaveTimer)
    this.autosaveTimer = null
    this.handle?.close()
    this.handle = null
    this.runStore = null
  }

  private startAutosave(): void {
    if (this.autosaveTimer) clearInterval(this.autosaveTimer)
    const seconds = this.settings.settings.autosaveSeconds
    this.autosaveTimer = setInterval(() => {
      try {
        if (this.handle) checkpoint(this.handle.db)
      } catch {
        /* a busy checkpoint is retried next time; committed data is safe in the WAL meanwhile */
      }
    }, seconds * 1000)
    this.autosaveTimer.unref()
  }
}

function withExtension(file: string): string {
  return file.endsWith('.ntkw') ? file : `${file}.ntkw`
}

function isInside(file: string, dir: string): boolean {
  const rel = path.relative(path.resolve(dir), file)
  return !rel.startsWith('..') && !path.isAbsolute(rel)
}
