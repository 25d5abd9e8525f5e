import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { tempDir } from '../helpers/tmp'
import { implementedKinds } from '../../electron/engine/jobs/registry'
import { REMOTE_TILE_SPEC_KINDS } from '../../shared/cluster'

const root = fileURLToPath(new URL('../..', import.meta.url))
function ntkw(args: string[], cwd = root, env = process.env): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/ntkw.js'), ...args], { cwd, env, encoding: 'utf8', timeout: 120_000 })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

describe('ntkw CLI', () => {
  it('--help lists every registered command with a summary', () => {
    const r = ntkw(['--help'])
    expect(r.code).toBe(0)
    for (const c of ['info', 'run', 'schema', 'serve']) expect(r.out).toMatch(new RegExp(`^  ${c}\\s+\\S`, 'm'))
  })

  // Whichever backend this machine has: the first that works is active, and every one tried before it says
  // why it could not be used.
  it('info reports the active backend and why each one tried before it failed', () => {
    const r = ntkw(['info'])
    expect(r.code).toBe(0)
    const j = JSON.parse(ntkw(['info', '--json']).out) as { backend: { active: string; tried: { name: string; package: string; ok: boolean; reason?: string }[] } }
    const tried = j.backend.tried
    expect(tried.length).toBeGreaterThan(0)
    expect(tried.at(-1)!.ok).toBe(true)
    expect(tried.slice(0, -1).every((t) => !t.ok && (t.reason ?? '').length > 0)).toBe(true)
    expect(['tensorflow', 'webgpu', 'wasm', 'cpu']).toContain(j.backend.active)
    expect(r.out).toContain(`active backend: ${j.backend.active}`)
    for (const t of tried.filter((x) => !x.ok)) expect(r.out).toContain(t.package)
  })

  // The GEMM provider is part of what a run's numbers depend on: info names it, and NTKW_GEMM=tfjs is obeyed.
  it('info names the float32 GEMM, and NTKW_GEMM=tfjs chooses tfjs matMul', () => {
    const j = JSON.parse(ntkw(['info', '--json']).out) as { backend: { active: string; gemm: { provider: string; reason?: string } }; versions: Record<string, string> }
    const cpu = ['wasm', 'cpu'].includes(j.backend.active)
    expect(j.backend.gemm.provider).toBe(cpu && j.versions['onnxruntime-node'] ? 'mlas' : 'tfjs')
    expect(ntkw(['info']).out).toMatch(/^float32 GEMM: (ONNX Runtime MLAS \d|tfjs matMul)/m)
    const forced = JSON.parse(ntkw(['info', '--json'], root, { ...process.env, NTKW_GEMM: 'tfjs' }).out) as { backend: { gemm: { provider: string; reason: string } }; versions: Record<string, string> }
    expect(forced.backend.gemm).toMatchObject({ provider: 'tfjs', reason: 'tfjs chosen' })
    expect(forced.versions.gemm).toBe('tfjs matMul')
  })

  it('schema prints a JSON schema per kind, and rejects unknown kinds', () => {
    for (const k of implementedKinds()) {
      const s = JSON.parse(ntkw(['schema', k]).out) as { properties: { kind: { const: string } } }
      expect(s.properties.kind.const).toBe(k)
    }
    const bad = ntkw(['schema', 'nope'])
    expect(bad.code).toBe(2)
    expect(bad.err).toMatch(/unknown kind 'nope'/)
    // a process per kind (a score of them): at load 15 their start-ups alone took over the default minute
  }, 240_000)

  it('run executes a spec, records it in a project, and prints the result', () => {
    const tmp = tempDir()
    const spec = path.join(tmp.dir, 'spec.json')
    writeFileSync(spec, JSON.stringify({ kind: 'backend-benchmark', matmulSizes: [64], elementwiseSizes: [4096], repeats: 1 }))
    const r = ntkw(['run', spec, '--project', path.join(tmp.dir, 'p.ntkw')])
    expect(r.code).toBe(0)
    const out = JSON.parse(r.out) as { backend: string; result: { matmul: { n: number }[] } }
    const info = JSON.parse(ntkw(['info', '--json']).out) as { backend: { active: string } }
    expect(out.backend).toBe(info.backend.active)
    expect(out.result.matmul[0]!.n).toBe(64)
    expect(r.err).toMatch(/backend-benchmark: 100%/)
    tmp.cleanup()
  })

  it('run explains an invalid spec and an unknown command with usage hints', () => {
    const tmp = tempDir()
    const spec = path.join(tmp.dir, 'bad.json')
    writeFileSync(spec, JSON.stringify({ kind: 'backend-benchmark', matmulSizes: 'big' }))
    const r = ntkw(['run', spec])
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/not a valid job spec/)
    expect(r.err).toMatch(/matmulSizes/)
    expect(r.err).toMatch(/ntkw schema/)
    writeFileSync(spec, '{ not json')
    expect(ntkw(['run', spec]).err).toMatch(/not valid JSON/)
    // a kind that cannot run on workers is refused with --redis, not run here behind the user's back
    writeFileSync(spec, JSON.stringify({ kind: 'backend-benchmark', matmulSizes: [16], elementwiseSizes: [1024], repeats: 1 }))
    const remote = ntkw(['run', spec, '--redis', 'redis://:pw@127.0.0.1:1/0'])
    expect(remote.code).not.toBe(0)
    // the refusal names every kind the queue takes (shared/cluster.ts), and the refused one
    for (const kind of REMOTE_TILE_SPEC_KINDS) expect(remote.err).toContain(kind)
    expect(remote.err).toMatch(/a backend-benchmark spec cannot run there/)
    expect(remote.err).toMatch(/Drop --redis/)
    const u = ntkw(['frobnicate'])
    expect(u.code).toBe(2)
    expect(u.err).toMatch(/unknown command 'frobnicate'/)
    const flag = ntkw(['info', '--bogus'])
    expect(flag.code).toBe(2)
    tmp.cleanup()
  })
})
