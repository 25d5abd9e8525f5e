// `npm start`: builds the app and opens it with the example project (or your last project).
// Where the Electron binary cannot be had (no network to download it, as on headless build machines),
// it says so and serves the same app to a browser instead (`ntkw serve`).
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, copyFileSync, cpSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)
const npmBin = process.platform === 'win32' ? 'npm.cmd' : 'npm'
const run = (cmd, args, opts = {}) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts })

function electronBinary() {
  try {
    // Electron ≥ 45 downloads its binary on first use; this throws when that is impossible.
    const p = require('electron')
    return typeof p === 'string' && existsSync(p) ? p : null
  } catch (e) {
    console.error(`npm start: the Electron binary is not available (${e.message.split('\n')[0]})`)
    return null
  }
}

/** better-sqlite3 in node_modules is built for Node (CLI, tests); Electron needs its own ABI build. */
function ensureElectronSqlite() {
  const target = path.join(root, '.electron-native', 'better_sqlite3.node')
  if (existsSync(target)) return true
  const version = require('electron/package.json').version
  const src = path.dirname(require.resolve('better-sqlite3/package.json'))
  const work = path.join(root, '.electron-native', 'build')
  rmSync(work, { recursive: true, force: true })
  cpSync(src, work, { recursive: true, filter: (f) => !f.includes(`${path.sep}build${path.sep}`) })
  console.log(`npm start: building better-sqlite3 for Electron ${version} (once)...`)
  const gyp = require.resolve('node-gyp/bin/node-gyp.js')
  const r = run(process.execPath, [gyp, 'rebuild', '--release', `--target=${version}`, '--runtime=electron', '--dist-url=https://electronjs.org/headers'], { cwd: work })
  if (r.status !== 0) return false
  mkdirSync(path.dirname(target), { recursive: true })
  copyFileSync(path.join(work, 'build', 'Release', 'better_sqlite3.node'), target)
  return true
}

const electron = electronBinary()
if (electron && ensureElectronSqlite()) {
  const b = run(npmBin, ['run', 'build'])
  if (b.status !== 0) process.exit(b.status ?? 1)
  const child = spawn(electron, ['.'], { cwd: root, stdio: 'inherit' })
  child.on('exit', (code) => process.exit(code ?? 0))
} else {
  console.error('npm start: opening NTK Workbench in your browser instead (same app, served on 127.0.0.1).')
  const b = run(npmBin, ['run', 'build:renderer'])
  if (b.status !== 0) process.exit(b.status ?? 1)
  run(process.execPath, ['scripts/build-node.mjs'])
  const child = spawn(process.execPath, ['bin/ntkw.js', 'serve', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' })
  child.on('exit', (code) => process.exit(code ?? 0))
}
