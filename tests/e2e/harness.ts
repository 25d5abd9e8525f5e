import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { PNG } from 'pngjs'
import { chromium, type BrowserContext, type Page } from 'playwright-core'

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
