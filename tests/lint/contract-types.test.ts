import { describe, expect, it } from 'vitest'
import ts from 'typescript'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

// The renderer reads job results and reports through the contract (shared/jobs/results): a page that reads a
// field the contract does not have must not compile. Proved two ways: a probe snippet that reads a missing
// field, and real renderer files with one field read renamed (if a page went back to casting the result to
// an inline shape, its mutated copy would compile and the test would fail).
const root = fileURLToPath(new URL('../..', import.meta.url))
const rendererSrc = join(root, 'renderer/src')

const options: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  strict: true,
  noUncheckedIndexedAccess: true,
  skipLibCheck: true,
  noEmit: true,
  lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
  types: [],
}

/** Type-checks `files` (absolute path → text; virtual files may sit beside real ones) in one program. */
function typeCheck(files: Record<string, string>): Map<string, { code: number; message: string }[]> {
  const host = ts.createCompilerHost(options)
  const readFile = host.readFile.bind(host)
  const fileExists = host.fileExists.bind(host)
  const getSourceFile = host.getSourceFile.bind(host)
  host.readFile = (f) => files[f] ?? readFile(f)
  host.fileExists = (f) => f in files || fileExists(f)
  host.getSourceFile = (f, lang, onError, create) => (f in files ? ts.createSourceFile(f, files[f]!, lang, true) : getSourceFile(f, lang, onError, create))
  const program = ts.createProgram(Object.keys(files), options, host)
  const out = new Map<string, { code: number; message: string }[]>()
  for (const f of Object.keys(files)) {
    const sf = program.getSourceFile(f)
    const ds = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]
    out.set(f, ds.map((d) => ({ code: d.code, message: ts.flattenDiagnosticMessageText(d.messageText, '\n') })))
  }
  return out
}

/** "Property 'x' does not exist on type …" and its "Did you mean …?" variant */
const PROPERTY_MISSING = [2339, 2551]

const probeHead = `import { reportOf, resultOf } from '../../shared/jobs/results'\nimport type { RunDetail } from '../../shared/project'\ndeclare const d: RunDetail\ndeclare const json: Record<string, unknown>\n`
const probes = {
  ok: `${probeHead}export const a = resultOf(d, 'kip')?.transfer?.distilled\nexport const b = resultOf(d, 'lab-kernel')?.ntk.testAccuracy\nexport const c = reportOf(json, 'lab-spectrum', 'spectrum')?.tStar\n`,
  missingField: `${probeHead}export const a = resultOf(d, 'kip')?.secondsPerStepX\nexport const b = reportOf(json, 'width-sweep', 'width_sweep')?.slope\n`,
  wrongReport: `${probeHead}export const a = reportOf(json, 'width-sweep', 'spectrum')\n`,
}
const probePath = (name: string): string => join(rendererSrc, `__contract_probe_${name}__.ts`)

// real renderer files: rename one contract field they read; each mutated copy must fail on that name
const mutations: { file: string; from: string; to: string }[] = [
  { file: 'stores/compare.ts', from: 'r?.tStar', to: 'r?.tStarRenamed' },
  { file: 'stores/compare.ts', from: 'w.finalTrainLoss', to: 'w.finalTrainLossRenamed' },
  { file: 'components/lab/options-spectrum.ts', from: 'a.minTestLoss', to: 'a.minTestLossRenamed' },
  { file: 'components/lab/options-efficiency.ts', from: 'a.timing', to: 'a.timingRenamed' },
  { file: 'components/distill/options-kd.ts', from: 'a.table', to: 'a.tableRenamed' },
  { file: 'components/distill/options-self-distill.ts', from: 'a.curves', to: 'a.curvesRenamed' },
]
const mutantPath = (i: number): string => join(rendererSrc, mutations[i]!.file.replace(/\.ts$/, `.__mutant${i}__.ts`))

let checked: Map<string, { code: number; message: string }[]> | null = null
function results(): Map<string, { code: number; message: string }[]> {
  if (checked) return checked
  const files: Record<string, string> = {}
  for (const [name, text] of Object.entries(probes)) files[probePath(name)] = text
  mutations.forEach((m, i) => {
    const original = join(rendererSrc, m.file)
    const text = readFileSync(original, 'utf8')
    if (!text.includes(m.from)) throw new Error(`${m.file} no longer reads ${m.from}: update the mutation list`)
    files[original] = text
    files[mutantPath(i)] = text.replace(m.from, m.to)
  })
  checked = typeCheck(files)
  return checked
}

describe('the result contract types what pages read', () => {
  it('a page reading fields the contract has compiles', () => {
    expect(results().get(probePath('ok'))).toEqual([])
  })

  it('a page reading a field the contract lacks does not compile', () => {
    const found = results().get(probePath('missingField'))!
    expect(found.map((x) => PROPERTY_MISSING.includes(x.code))).toEqual([true, true])
    expect(found[0]!.message).toMatch(/secondsPerStepX.*KipJobResult/)
    expect(found[1]!.message).toMatch(/'slope'.*WidthSweepResult/)
  })

  it('a report name the kind does not write does not compile', () => {
    expect(results().get(probePath('wrongReport'))!.length).toBeGreaterThan(0)
  })

  it.each(mutations.map((m, i) => ({ ...m, i })))('$file reading $to instead of $from does not compile', ({ file, to, i }) => {
    expect(results().get(join(rendererSrc, file))).toEqual([])
    const found = results().get(mutantPath(i))!
    const name = to.split('.').pop()!
    expect(found.some((x) => PROPERTY_MISSING.includes(x.code) && x.message.includes(`'${name}'`))).toBe(true)
  })
})

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name)
    return statSync(p).isDirectory() ? sourcesUnder(p) : /\.(ts|vue)$/.test(name) ? [p] : []
  })
}

describe('the renderer declares no job type of its own', () => {
  const files = sourcesUnder(rendererSrc).map((p) => ({ path: relative(root, p), text: readFileSync(p, 'utf8') }))

  it('scans the renderer', () => {
    expect(files.length).toBeGreaterThan(50)
  })

  it('no renderer file declares a *Result, *Spec, *Artifact or *Report type', () => {
    const decl = /^\s*(?:export\s+)?(?:interface|type)\s+(\w*(?:Result|Spec|Artifact|Report))\b\s*(?:[={<]|extends)/gm
    const found = files.flatMap((f) => [...f.text.matchAll(decl)].map((m) => `${f.path}: ${m[1]}`))
    expect(found).toEqual([])
  })

  it('no renderer file casts a run result or a report to a shape of its own', () => {
    // `detail.result as {...}`, `json.x as Y`: read them with resultOf / reportOf instead
    const cast = /(?:\.result\b|\bjson(?:\.value)?(?:\.\w+|\[[^\]]+\]))\)?\s*(?:\?\?\s*null\)?\s*)?as\s/g
    const found = files.flatMap((f) => [...f.text.matchAll(cast)].map((m) => `${f.path}: ${m[0]}`))
    expect(found).toEqual([])
  })

  it('the scans find what they look for', () => {
    expect('export interface KipResult {'.match(/^\s*(?:export\s+)?(?:interface|type)\s+(\w*(?:Result|Spec|Artifact|Report))\b\s*(?:[={<]|extends)/m)?.[1]).toBe('KipResult')
    expect('import {\n  type KipJobResult,\n} from'.match(/^\s*(?:export\s+)?(?:interface|type)\s+(\w*(?:Result|Spec|Artifact|Report))\b\s*(?:[={<]|extends)/m)).toBeNull()
    expect(/(?:\.result\b|\bjson(?:\.value)?(?:\.\w+|\[[^\]]+\]))\)?\s*(?:\?\?\s*null\)?\s*)?as\s/.test('(detail.value?.result ?? null) as { n: number }')).toBe(true)
    expect(/(?:\.result\b|\bjson(?:\.value)?(?:\.\w+|\[[^\]]+\]))\)?\s*(?:\?\?\s*null\)?\s*)?as\s/.test("(json.value['self-distill'] as X | undefined)")).toBe(true)
  })
})
