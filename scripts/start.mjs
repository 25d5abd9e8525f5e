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

/** The most telling line of a failed download's output (the cause, not the stack or npm's advice). */
export function downloadFailureReason(output) {
  const lines = output.split('\n').map((l) => l.trim()).filter((l) => l && !/^at /.test(l))
  // the network's own words (no such host, refused, timed out) say more than undici's "fetch failed"
  const cause =
    lines.find((l) => /ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|certificate|proxy/i.test(l)) ??
    lines.find((l) => /fetch failed|HTTPError|status code \d{3}/i.test(l))
  return (cause ?? lines.find((l) => /error/i.test(l)) ?? 'unknown error').replace(/^(\[cause\]:\s*)?\w*Error:\s*/, '').slice(0, 160)
}

/**
 * Electron ≥ 45 downloads its binary on first use, and require('electron') runs that installer with
 * inherited output (a raw stack trace and "delete node_modules/electron" advice). Run the download here
 * with its output captured; return the binary, or why the desktop shell is unavailable in a few words.
 */
export function electronBinary() {
  let dir
  try {
    dir = path.dirname(require.resolve('electron/package.json'))
  } catch {
    return { reason: 'the electron package is not installed' }
  }
  if (!existsSync(path.join(dir, 'path.txt'))) {
    console.log('npm start: downloading the Electron binary (once)...')
    const r = spawnSync(process.execPath, [path.join(dir, 'install.js')], { cwd: dir, encoding: 'utf8', stdio: 'pipe', timeout: 300_000 })
    if (r.status !== 0) return { reason: `Electron's binary could not be downloaded: ${downloadFailureReason(`${r.stderr ?? ''}\n${r.stdout ?? ''}`)}` }
  }
  try {
    const p = require('electron')
    return typeof p === 'string' && existsSync(p) ? { path: p } : { reason: 'the Electron binary is missing after its download' }
  } catch (e) {
    return { reason: `the Electron binary does not load: ${e.message.split('\n')[0]}` }
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

function main() {
  const electron = electronBinary()
  let reason = electron.reason
  if (electron.path && !ensureElectronSqlite()) reason = 'better-sqlite3 could not be built for Electron (see the compiler output above)'
  if (!reason) {
    const b = run(npmBin, ['run', 'build'])
    if (b.status !== 0) process.exit(b.status ?? 1)
    const child = spawn(electron.path, ['.'], { cwd: root, stdio: 'inherit' })
    child.on('exit', (code) => process.exit(code ?? 0))
    return
  }
  // One line: why there is no desktop window, and what happens instead.
  console.error(`npm start: no desktop window (${reason}); serving the same app to your browser instead: open the NTKW_SERVE_URL printed below.`)
  const b = run(npmBin, ['run', 'build:renderer', '--silent'], { stdio: ['inherit', 'ignore', 'inherit'] })
  if (b.status !== 0) process.exit(b.status ?? 1)
  run(process.execPath, ['scripts/build-node.mjs'], { stdio: ['inherit', 'ignore', 'inherit'] })
  const child = spawn(process.execPath, ['bin/ntkw.js', 'serve', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' })
  child.on('exit', (code) => process.exit(code ?? 0))
}

// Imported by a test: the helpers only.
if (process.argv[1] === fileURLToPath(import.meta.url)) main()
