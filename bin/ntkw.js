#!/usr/bin/env node
// Entry point of the `ntkw` command: runs the bundled CLI built by `npm install` (prepare) or `npm run build:node`.
import { existsSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'

const bundle = fileURLToPath(new URL('../out/node/ntkw.js', import.meta.url))
if (!existsSync(bundle)) {
  process.stderr.write('ntkw: the CLI bundle is missing (out/node/ntkw.js). Run `npm run build:node` in the ntk-workbench folder.\n')
  process.exit(2)
}
await import(pathToFileURL(bundle).href)
