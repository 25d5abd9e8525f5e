// Bundles the Node-side entry points (CLI, engine host, worker threads, benchmarks) into out/node with
// esbuild. npm packages stay external so native modules and tfjs wasm files resolve from node_modules.
import { build } from 'esbuild'
import { existsSync, readdirSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import path from 'node:path'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const candidates = {
  ntkw: 'electron/cli/main.ts',
  'engine-host': 'electron/cluster/engine-process.ts',
  'kernel-worker': 'electron/engine/ntk/kernel-worker.ts',
  'sample-worker': 'electron/engine/ntk/sample-worker.ts',
  'empirical-prefetch-worker': 'electron/engine/ntk/empirical-prefetch-worker.ts',
  'unit-worker': 'electron/engine/jobs/unit-worker.ts',
  'gram-worker': 'electron/engine/features/gram-worker.ts',
  bench: 'bench/index.ts',
}
const entryPoints = Object.fromEntries(
  Object.entries(candidates).filter(([, file]) => existsSync(path.join(root, file))).map(([k, f]) => [k, path.join(root, f)]),
)
const outdir = path.join(root, 'out/node')

// CommonJS-only packages are loaded with require(), not import: Node's ESM loader lexes a CommonJS file for
// its export names before running it, which for tfjs-core's 1 MB bundle cost ~0.2 s of every command that
// computes (import 0.30–0.37 s against require 0.08–0.12 s, measured on this machine). The import stays an
// import in the source; the bundle reads it through a one-line CommonJS wrapper.
const REQUIRED_PACKAGES = /^@tensorflow\/tfjs-(core|layers|backend-wasm|backend-cpu|backend-webgpu)$/
const requireCjsPackages = {
  name: 'require-cjs-packages',
  setup(b) {
    b.onResolve({ filter: REQUIRED_PACKAGES }, (args) => (args.kind === 'import-statement' ? { path: args.path, namespace: 'cjs-package' } : undefined))
    b.onLoad({ filter: /.*/, namespace: 'cjs-package' }, (args) => ({ contents: wrapperOf(args.path), loader: 'js', resolveDir: root }))
  },
}
// A namespace import of a CommonJS module makes esbuild copy its exports onto a fresh object, one getter each,
// in every importing module: tfjs-core's 470 exports in the ≥ 27 modules a computing command loads cost ≈ 50 ms
// of its start-up (load ≈ 9). tfjs-core's exports are plain values set once as it loads, so one ES module that
// reads them into named exports replaces all those copies (the names are read from the installed package).
const NAMED_EXPORTS = new Set(['@tensorflow/tfjs-core'])
const requireFromRoot = createRequire(path.join(root, 'package.json'))
function wrapperOf(pkg) {
  const load = `require(${JSON.stringify(pkg)})`
  if (!NAMED_EXPORTS.has(pkg)) return `module.exports = ${load}`
  const names = Object.keys(requireFromRoot(pkg)).filter((k) => /^[A-Za-z_$][\w$]*$/.test(k) && k !== 'default')
  return `const m = ${load}\nexport default m\nexport const { ${names.join(', ')} } = m\n`
}
// zod is bundled, not external: its ESM build is dozens of files that Node resolves, reads and links one by one,
// which cost every command that checks a job spec ~0.1 s more than the same code inside a chunk (import of
// the package 125–230 ms against 75–90 ms bundled, load ≈ 8.5 on this machine). Nothing outside our code
// imports zod, so there is one copy of its classes either way.
// Its namespace export `locales` (z.locales, z.core.locales) brings the translations of its error messages
// into 60 languages: 368 of the 755 kB zod adds to a chunk, ≈ 20 ms of compiling at every start that checks a
// spec. The engine's messages are English (zod's default, which imports locales/en.js itself), and nothing
// selects another locale: the namespace keeps `en` only.
const zodLocales = path.join(root, 'node_modules/zod/v4/locales')
const bundleZod = {
  name: 'bundle-zod',
  setup(b) {
    b.onResolve({ filter: /^zod$/ }, () => ({ path: path.join(root, 'node_modules/zod/index.js') }))
    b.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      path.resolve(args.resolveDir, args.path) === path.join(zodLocales, 'index.js') ? { path: 'zod-locales-en', namespace: 'zod-locales' } : undefined,
    )
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, () => ({ contents: `export { default as en } from ${JSON.stringify(path.join(zodLocales, 'en.js'))}`, loader: 'js', resolveDir: zodLocales }))
  },
}
// Chunks are content-hashed: drop the previous build's so stale ones do not pile up.
if (existsSync(outdir)) for (const f of readdirSync(outdir)) if (f.startsWith('chunk-')) rmSync(path.join(outdir, f))
await build({
  entryPoints,
  outdir,
  bundle: true,
  // Code splitting: every dynamic import() (a CLI command's action, a job kind's runner) becomes its own
  // chunk that loads with its npm imports only when reached, so `ntkw --help` never loads tfjs. Chunks
  // sit next to the entries because modules locate kernel-worker.js, resources and the renderer from
  // their own URL.
  splitting: true,
  chunkNames: 'chunk-[hash]',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
  plugins: [requireCjsPackages, bundleZod],
  // ESM bundles still meet CommonJS-only globals in a few dependencies' code paths.
  banner: {
    js: "import { createRequire as __ntkwCreateRequire } from 'node:module'; const require = __ntkwCreateRequire(import.meta.url);",
  },
})
