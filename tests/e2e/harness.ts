import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { PNG } from 'pngjs'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll } from 'vitest'
import { apiCall } from './page-helpers'

// Shared by every end-to-end test: `ntkw serve` as a child process, Debian's Chromium via playwright-core,
// and a check that a screenshot shows an actual UI rather than a blank page.

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const RESULTS = path.join(ROOT, 'test-results')
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export interface Served {
  url: string
  child: ChildProcess
  /** everything the server wrote to stderr, for failure messages */
  log(): string
  stop(): Promise<void>
}

/** Starts `node bin/ntkw.js serve --port 0 ...` and resolves with the URL it prints (NTKW_SERVE_URL=...). */
export async function startServe(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<Served> {
  const main = path.join(ROOT, 'out/node/ntkw.js')
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`node scripts/build-node.mjs\` (npm run test:e2e does it)`)
  if (!existsSync(path.join(ROOT, 'out/renderer/index.html'))) throw new Error('out/renderer is missing: run `npm run build:renderer` (npm run test:e2e does it)')
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/ntkw.js'), 'serve', '--port', '0', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`ntkw serve printed no URL within ${timeoutMs} ms\n${stderr}`)), timeoutMs)
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const m = out.match(/NTKW_SERVE_URL=(\S+)/)
      if (m) {
        clearTimeout(timer)
        resolve(m[1]!)
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`ntkw serve exited with ${code}\n${stderr}`))
    })
  })
  return {
    url,
    child,
    log: () => stderr,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        const kill = setTimeout(() => child.kill('SIGKILL'), 5000)
        child.once('exit', () => {
          clearTimeout(kill)
          resolve()
        })
        child.kill('SIGTERM')
      }),
  }
}

/** Headless Debian Chromium with a fresh profile. */
export async function launchBrowser(profileDir: string, opts: { colorScheme?: 'light' | 'dark' } = {}): Promise<{ context: BrowserContext; page: Page }> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH)`)
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    viewport: { width: 1440, height: 900 },
    deviceScaleFactor: 1,
    colorScheme: opts.colorScheme ?? 'light',
    acceptDownloads: true,
  })
  const page = context.pages()[0] ?? (await context.newPage())
  return { context, page }
}

export interface ServedAppOptions {
  /** names the temporary folder and the report line ("<name> E2E report: {...}") */
  name: string
  /** the project file, relative to the temporary folder; omitted: a fresh config opens the example project */
  project?: string
  /** runs in the temporary folder before the server starts (writes data files, imports datasets) */
  prepare?: (tmp: string) => void | Promise<void>
  /** console errors count as page errors (default true) */
  consoleErrors?: boolean
  /** records long tasks (window.__longTasks) and animation frames (window.__frames) from the first script on */
  frameTimes?: boolean
  viewport?: { width: number; height: number }
  /** figures the test gathers, printed after the run; with `runTimes`, each run's queued and run seconds too */
  report?: Record<string, unknown>
  runTimes?: boolean
}

/** A served app in Chromium: filled in before the file's first test, closed after its last. */
export interface ServedApp {
  tmp: string
  served: Served
  context: BrowserContext
  page: Page
  /** uncaught page errors (and console errors unless turned off), to assert empty at the end */
  pageErrors: string[]
  /** one call of the app's API over the served WebSocket, as the page makes it */
  api<T>(method: string, params: unknown): Promise<T>
}

/** Starts `ntkw serve` on a fresh temporary folder and opens Chromium on it; `close` undoes both. */
export async function openServedApp(opts: ServedAppOptions): Promise<ServedApp & { close(): Promise<void> }> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), `ntkw-e2e-${opts.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-`))
  const pageErrors: string[] = []
  let served: Served | undefined
  let context: BrowserContext | undefined
  const close = async (): Promise<void> => {
    await context?.close().catch(() => undefined)
    await served?.stop()
    rmSync(tmp, { recursive: true, force: true })
  }
  try {
    await opts.prepare?.(tmp)
    served = await startServe(opts.project ? ['--project', path.join(tmp, opts.project)] : [], { NTKW_CONFIG_DIR: path.join(tmp, 'config') })
    const browser = await launchBrowser(path.join(tmp, 'profile'))
    context = browser.context
    const page = browser.page
    if (opts.viewport) await page.setViewportSize(opts.viewport)
    page.on('pageerror', (e) => pageErrors.push(e.message))
    if (opts.consoleErrors !== false) {
      page.on('console', (m) => {
        if (m.type() === 'error' && !/favicon/.test(m.location().url)) pageErrors.push(`console: ${m.text()}`)
      })
    }
    if (opts.frameTimes) await page.addInitScript(recordFrameTimes)
    const s = served
    return { tmp, served: s, context, page, pageErrors, api: (method, params) => apiCall(s, method, params), close }
  } catch (e) {
    await close()
    throw e
  }
}

// Runs in the page (type-checked without the DOM lib, hence the declarations).
function recordFrameTimes(): void {
  const w = globalThis as unknown as Record<string, unknown> & { requestAnimationFrame(cb: (t: number) => void): void }
  type Observer = new (cb: (list: { getEntries(): { startTime: number; duration: number }[] }) => void) => { observe(o: { type: string; buffered: boolean }): void }
  const tasks: { start: number; duration: number }[] = []
  const frames: number[] = []
  w.__longTasks = tasks
  w.__frames = frames
  new (w.PerformanceObserver as Observer)((list) => {
    for (const e of list.getEntries()) tasks.push({ start: e.startTime, duration: e.duration })
  }).observe({ type: 'longtask', buffered: true })
  const tick = (t: number): void => {
    frames.push(t)
    w.requestAnimationFrame(tick)
  }
  w.requestAnimationFrame(tick)
}

/**
 * The one E2E fixture: opens the served app before the file's tests and closes it after them. The returned
 * object is filled in by then; read its fields inside tests and hooks, not at module level.
 */
export function useServedApp(opts: ServedAppOptions): ServedApp {
  const app = {} as ServedApp & { close?: () => Promise<void> }
  beforeAll(async () => {
    Object.assign(app, await openServedApp(opts))
  })
  afterAll(async () => {
    if (opts.runTimes && opts.report && app.served) {
      // Engine time of each run (queued → started → finished), to tell the app's time from the test's own.
      try {
        const runs = await app.api<{ name: string; createdAt: number; startedAt: number | null; finishedAt: number | null }[]>('runs.list', {})
        opts.report.runs = runs.map((x) => ({ name: x.name, queuedS: ((x.startedAt ?? 0) - x.createdAt) / 1000, runS: ((x.finishedAt ?? 0) - (x.startedAt ?? 0)) / 1000 }))
      } catch (e) {
        opts.report.runs = `not read: ${(e as Error).message}`
      }
    }
    if (opts.report) console.log(`${opts.name} E2E report: ${JSON.stringify(opts.report, null, 1)}`)
    await app.close?.()
  })
  return app
}

export interface PixelStats {
  width: number
  height: number
  /** distinct colours after quantising each channel to 5 bits */
  colours: number
  /** share of pixels that differ clearly from the most common colour (the background) */
  foreground: number
  /** the most common colour, RGB */
  background: [number, number, number]
}

export function pixelStats(pngFile: string): PixelStats {
  const png = PNG.sync.read(readFileSync(pngFile))
  const counts = new Map<number, number>()
  const { data, width, height } = png
  for (let i = 0; i < data.length; i += 4) {
    const key = ((data[i]! >> 3) << 10) | ((data[i + 1]! >> 3) << 5) | (data[i + 2]! >> 3)
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  let bg = 0
  let bgCount = -1
  for (const [k, c] of counts) if (c > bgCount) [bg, bgCount] = [k, c]
  const [br, bgg, bb] = [(bg >> 10) << 3, ((bg >> 5) & 31) << 3, (bg & 31) << 3]
  let fg = 0
  for (let i = 0; i < data.length; i += 4) {
    if (Math.abs(data[i]! - br) + Math.abs(data[i + 1]! - bgg) + Math.abs(data[i + 2]! - bb) > 48) fg++
  }
  return { width, height, colours: counts.size, foreground: fg / (width * height), background: [br, bgg, bb] }
}

/** Saves a full-page screenshot under test-results/ and fails if it looks blank. */
export async function screenshot(page: Page, name: string, min = { colours: 40, foreground: 0.03 }): Promise<{ file: string; stats: PixelStats }> {
  mkdirSync(RESULTS, { recursive: true })
  const file = path.join(RESULTS, `${name}.png`)
  await page.screenshot({ path: file })
  const stats = pixelStats(file)
  if (stats.colours < min.colours || stats.foreground < min.foreground) {
    throw new Error(`screenshot ${file} looks blank: ${stats.colours} colours, ${(stats.foreground * 100).toFixed(1)}% foreground pixels`)
  }
  return { file, stats }
}
