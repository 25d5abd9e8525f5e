import { describe, expect, it } from 'vitest'
import { readFileSync, writeFileSync, existsSync } from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { createProject, openProject, backupProject } from '../../electron/engine/store/project-db'
import { SCHEMA_VERSION } from '../../electron/engine/store/schema'
import { RunStore } from '../../electron/engine/store/runs'
import { ProjectArtifactSink, readArtifactArray } from '../../electron/engine/store/artifacts'
import { JobSpec } from '../../shared/index'
import { UserError } from '../../shared/errors'
import { tempDir } from '../helpers/tmp'

describe('project file', () => {
  it('creates a WAL project at the current schema, and reopens it', () => {
    const tmp = tempDir()
    const file = path.join(tmp.dir, 'p.ntkw')
    const p = createProject(file)
    expect(p.db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(p.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
    new RunStore(p.db).create(JobSpec.parse({ kind: 'backend-benchmark' }), {})
    p.close()
    const q = openProject(file)
    expect(new RunStore(q.db).list()).toHaveLength(1)
    q.close()
    tmp.cleanup()
  })

  it('migrates a schema-2 project (before the metrics cursor index) and keeps its runs', () => {
    const tmp = tempDir()
    const file = path.join(tmp.dir, 'old.ntkw')
    const p = createProject(file)
    new RunStore(p.db).create(JobSpec.parse({ kind: 'backend-benchmark' }), {})
    p.close()
    const db = new Database(file)
    db.exec('DROP INDEX metrics_run_seq')
    db.pragma('user_version = 2')
    db.close()
    const q = openProject(file)
    expect(q.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
    expect(q.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'metrics_run_seq'").get()).toBeTruthy()
    expect(new RunStore(q.db).list()).toHaveLength(1)
    q.close()
    tmp.cleanup()
  })

  it('refuses a file that is not a project and leaves its bytes unchanged', () => {
    const tmp = tempDir()
    const file = path.join(tmp.dir, 'notes.ntkw')
    writeFileSync(file, 'hello, this is text\n'.repeat(20))
    const before = readFileSync(file)
    expect(() => openProject(file)).toThrowError(/not an NTK Workbench project/)
    expect(readFileSync(file).equals(before)).toBe(true)
    // An SQLite database of another application is refused too, untouched.
    const other = path.join(tmp.dir, 'other.db')
    const db = new Database(other)
    db.exec('CREATE TABLE t (x)')
    db.close()
    const otherBefore = readFileSync(other)
    expect(() => openProject(other)).toThrowError(/SQLite database but not an NTK Workbench project/)
    expect(readFileSync(other).equals(otherBefore)).toBe(true)
    expect(existsSync(other + '-wal')).toBe(false)
    tmp.cleanup()
  })

  it('refuses a project from a newer schema with a clear message and changes nothing', () => {
    const tmp = tempDir()
    const file = path.join(tmp.dir, 'future.ntkw')
    createProject(file).close()
    const db = new Database(file)
    db.pragma(`user_version = ${SCHEMA_VERSION + 5}`)
    db.close()
    const before = readFileSync(file)
    let err: unknown
    try {
      openProject(file)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(UserError)
    expect((err as UserError).code).toBe('newer_schema')
    expect((err as UserError).hint).toMatch(/Update NTK Workbench/)
    expect(readFileSync(file).equals(before)).toBe(true)
    tmp.cleanup()
  })

  it('save-as copies a live project atomically; artifacts round-trip through tiles', async () => {
    const tmp = tempDir()
    const p = createProject(path.join(tmp.dir, 'a.ntkw'))
    const run = new RunStore(p.db).create(JobSpec.parse({ kind: 'backend-benchmark' }), {})
    const sink = new ProjectArtifactSink(p.db, run.id)
    const w = sink.openTiled('K', 5, 7)
    const full = new Float32Array(35).map((_, i) => i * 0.5)
    // Write as 2×3-ish tiles in scrambled order.
    for (const [r0, c0, r, c] of [[4, 4, 1, 3], [0, 0, 2, 4], [2, 0, 2, 4], [0, 4, 2, 3], [4, 0, 1, 4], [2, 4, 2, 3]] as const) {
      const t = new Float32Array(r * c)
      for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) t[i * c + j] = full[(r0 + i) * 7 + c0 + j]!
      w.writeTile(r0, c0, r, c, t)
    }
    const info = w.close()
    expect(Array.from(readArtifactArray(p.db, info.id).data)).toEqual(Array.from(full))
    const dest = path.join(tmp.dir, 'b.ntkw')
    await backupProject(p.db, dest)
    p.close()
    const q = openProject(dest)
    expect(new RunStore(q.db).artifacts(run.id).map((a) => a.name)).toEqual(['K'])
    expect(Array.from(readArtifactArray(q.db, info.id).data)).toEqual(Array.from(full))
    q.close()
    tmp.cleanup()
  })

  it('a half-written tiled artifact stays invisible', () => {
    const tmp = tempDir()
    const p = createProject(path.join(tmp.dir, 'c.ntkw'))
    const run = new RunStore(p.db).create(JobSpec.parse({ kind: 'backend-benchmark' }), {})
    const w = new ProjectArtifactSink(p.db, run.id).openTiled('K', 2, 2)
    w.writeTile(0, 0, 1, 2, new Float32Array([1, 2]))
    expect(new RunStore(p.db).artifacts(run.id)).toHaveLength(0)
    p.close()
    tmp.cleanup()
  })
})
