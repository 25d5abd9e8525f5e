// ESLint rule: inside electron/engine, each folder imports only folders below it. The engine's base contract
// (core/) is at the bottom; the job runners (jobs/) and the process entry (host.ts) are at the top. A folder
// missing from the map is an error too, so a new folder has to be placed in the order on purpose.
import path from 'node:path'

/** bottom → top; folders on the same level may not import each other */
export const ENGINE_LEVELS = [
  ['core'],
  ['blas'], // the float32 GEMM every engine layer above multiplies with (ONNX Runtime's MLAS, else tfjs)
  ['runtime', 'io', 'linalg', 'activations'],
  ['data', 'nn', 'store', 'layers'],
  ['ntk'],
  ['lab', 'features', 'kip', 'models'],
  ['distill'],
  ['quantize'],
  ['onnx'],
  ['jobs'],
  ['.'], // host.ts, protocol.ts: the engine process itself
]

const rankOf = new Map(ENGINE_LEVELS.flatMap((names, i) => names.map((n) => [n, i])))

function engineFolder(file, engineRoot) {
  const rel = path.relative(engineRoot, file)
  if (rel.startsWith('..') || path.isAbsolute(rel)) return null
  const parts = rel.split(path.sep)
  return parts.length === 1 ? '.' : parts[0]
}

export default {
  meta: {
    type: 'problem',
    docs: { description: 'electron/engine folders import only downward (core at the bottom, jobs at the top)' },
    schema: [],
  },
  create(context) {
    const file = context.filename ?? context.getFilename()
    const engineRoot = path.join(context.cwd ?? process.cwd(), 'electron', 'engine')
    const own = engineFolder(file, engineRoot)
    if (own === null) return {}
    const check = (node, source) => {
      if (typeof source !== 'string' || !source.startsWith('.')) return
      const target = engineFolder(path.resolve(path.dirname(file), source), engineRoot)
      if (target === null || target === own) return
      const a = rankOf.get(own)
      const b = rankOf.get(target)
      if (a === undefined || b === undefined) {
        const missing = a === undefined ? own : target
        context.report({ node, message: `electron/engine/${missing}/ is not in the engine layer map (scripts/eslint-engine-layers.js): place it in ENGINE_LEVELS` })
      } else if (b >= a) {
        context.report({
          node,
          message: `electron/engine/${own === '.' ? '' : own + '/'} may not import electron/engine/${target}/ (${b > a ? 'a higher' : 'the same'} level): engine folders import only downward — move the shared piece down (core/ holds the base contract)`,
        })
      }
    }
    return {
      ImportDeclaration: (n) => check(n, n.source.value),
      ExportNamedDeclaration: (n) => n.source && check(n, n.source.value),
      ExportAllDeclaration: (n) => check(n, n.source.value),
      ImportExpression: (n) => n.source.type === 'Literal' && check(n, n.source.value),
    }
  },
}
