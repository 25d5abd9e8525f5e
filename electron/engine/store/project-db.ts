import Database from 'better-sqlite3'
import { existsSync, openSync, readSync, closeSync, statSync, renameSync, rmSync } from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import { UserError } from '../../../shared/errors'
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION } from './schema'

export type Db = Database.Database

const SQLITE_MAGIC = 'SQLite format 3\0'

/**
 * In Electron (dev mode) the npm build of better-sqlite3 targets Node's ABI; `npm start` builds an
 * Electron-ABI copy into .electron-native/ and we load that one. Packaged apps are rebuilt by electron-builder.
 */
function nativeBinding(): string | undefined {
  if (!process.versions.electron) return undefined
  const require = createRequire(import.meta.url)
  try {
    const root = path.dirname(require.resolve('better-sqlite3/package.json'))
    const candidate = path.join(root, '..', '..', '.electron-native', 'better_sqlite3.node')
    return existsSync(candidate) ? candidate : undefined
  } catch {
    return undefined
  }
}

function openRaw(file: string, readonly = false): Db {
  const binding = nativeBinding()
  return new Database(file, { readonly, fileMustExist: readonly, ...(binding ? { nativeBinding: binding } : {}) })
}

function configure(db: Db): void {
  db.pragma('journal_mode = WAL')
  // NORMAL in WAL mode: a commit survives an application crash (the WAL is written before the commit
  // returns); only an OS crash may roll back the last transactions, never corrupt the file.
  db.pragma('synchronous = NORMAL')
  db.pragma('foreign_keys = ON')
  db.pragma('busy_timeout = 5000')
}

/** Checks the first bytes before SQLite touches the file, so a wrong file is never modified. */
function assertLooksLikeProject(file: string): void {
  let size: number
  try {
    size = statSync(file).size
  } catch (e) {
    throw new UserError('not_found', `cannot open ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`, 'Check the path, or create a new project with File ▸ New.')
  }
  const head = Buffer.alloc(100)
  const fd = openSync(file, 'r')
  try {
    readSync(fd, head, 0, 100, 0)
  } finally {
    closeSync(fd)
  }
  if (size < 100 || head.toString('latin1', 0, 16) !== SQLITE_MAGIC) {
    throw new UserError('not_a_project', `${path.basename(file)} is not an NTK Workbench project (it is not an SQLite database)`, 'Open a .ntkw file created by NTK Workbench, or import data files from the Datasets page.')
  }
  const appId = head.readUInt32BE(68)
  if (appId !== APPLICATION_ID) {
    throw new UserError('not_a_project', `${path.basename(file)} is an SQLite database but not an NTK Workbench project`, 'Open a .ntkw file created by NTK Workbench.')
  }
}

function migrate(db: Db): void {
  const version = db.pragma('user_version', { simple: true }) as number
  if (version > SCHEMA_VERSION) {
    throw new UserError('newer_schema', `this project was written by a newer NTK Workbench (schema ${version}; this version reads up to ${SCHEMA_VERSION})`, 'Update NTK Workbench to open it. The file was not changed.')
  }
  for (let v = version + 1; v <= SCHEMA_VERSION; v++) {
    const sql = MIGRATIONS[v]
    if (!sql) throw new Error(`missing migration to schema ${v}`)
    db.transaction(() => {
      db.exec(sql)
      db.pragma(`user_version = ${v}`)
    })()
  }
}

export interface ProjectHandle {
  db: Db
  path: string
  close(): void
}

/** Creates a new, empty project file. Refuses to overwrite an existing file. */
export function createProject(file: string): ProjectHandle {
  if (existsSync(file)) throw new UserError('exists', `${file} already exists`, 'Choose another name, or open it instead.')
  const db = openRaw(file)
  try {
    db.pragma(`application_id = ${APPLICATION_ID}`)
    configure(db)
    migrate(db)
    db.prepare('INSERT INTO meta(key, value) VALUES (?, ?)').run('created_at', String(Date.now()))
    return handle(db, file)
  } catch (e) {
    db.close()
    rmSync(file, { force: true })
    throw e
  }
}

/** Opens an existing project; a non-project or a newer-schema file gives a UserError and is left untouched. */
export function openProject(file: string): ProjectHandle {
  assertLooksLikeProject(file)
  // Read the version through a read-only connection first: never write to a file we cannot read.
  const probe = openRaw(file, true)
  let version: number
  try {
    version = probe.pragma('user_version', { simple: true }) as number
  } catch (e) {
    throw new UserError('corrupt', `${path.basename(file)} could not be read: ${(e as Error).message}`)
  } finally {
    probe.close()
  }
  if (version > SCHEMA_VERSION) {
    throw new UserError('newer_schema', `this project was written by a newer NTK Workbench (schema ${version}; this version reads up to ${SCHEMA_VERSION})`, 'Update NTK Workbench to open it. The file was not changed.')
  }
  const db = openRaw(file)
  try {
    configure(db)
    migrate(db)
    return handle(db, file)
  } catch (e) {
    db.close()
    throw e
  }
}

/** Opens the project, or creates it when the file does not exist yet. */
export function openOrCreateProject(file: string): ProjectHandle {
  return existsSync(file) ? openProject(file) : createProject(file)
}

function handle(db: Db, file: string): ProjectHandle {
  return {
    db,
    path: path.resolve(file),
    close: () => {
      if (!db.open) return
      try {
        db.pragma('wal_checkpoint(TRUNCATE)')
      } catch {
        /* another connection holds it; the WAL is still consistent */
      }
      db.close()
    },
  }
}

/** Copies a live project to `dest` atomically (online backup to a temp file, then rename). */
export async function backupProject(db: Db, dest: string): Promise<void> {
  const tmp = `${dest}.saving-${process.pid}`
  rmSync(tmp, { force: true })
  try {
    await db.backup(tmp)
    renameSync(tmp, dest)
  } catch (e) {
    rmSync(tmp, { force: true })
    throw new UserError('save_failed', `could not save to ${dest}: ${(e as Error).message}`, 'Check that the folder exists and is writable.')
  }
}

/** Moves committed WAL content into the main file (autosave), without blocking readers. */
export function checkpoint(db: Db): void {
  db.pragma('wal_checkpoint(PASSIVE)')
}

export function projectCreatedAt(db: Db): number {
  const row = db.prepare("SELECT value FROM meta WHERE key = 'created_at'").get() as { value: string } | undefined
  return row ? Number(row.value) : 0
}

export function schemaVersionOf(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number
}
