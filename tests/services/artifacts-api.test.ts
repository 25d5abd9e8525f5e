import { afterAll, describe, expect, it } from 'vitest'
import path from 'node:path'
import { Services } from '../../electron/services/services'
import { forkLauncher } from '../../electron/services/engine-client'
import { ProjectArtifactSink } from '../../electron/engine/store/artifacts'
import { JobSpec } from '../../shared/index'
import { tempDir } from '../helpers/tmp'

const tmp = tempDir()
const services = new Services({ mode: 'serve', configDir: path.join(tmp.dir, 'cfg'), launcher: forkLauncher })
afterAll(async () => {
  await services.dispose()
  tmp.cleanup()
})

describe('artifact API', () => {
  it('reads small arrays and JSON, refuses arrays too large for IPC with a hint', async () => {
    services.project.create(path.join(tmp.dir, 'a.ntkw'))
    const { handle, runs } = services.project.current!
    const run = runs.create(JobSpec.parse({ kind: 'backend-benchmark' }), {})
    const sink = new ProjectArtifactSink(handle.db, run.id)
    const small = sink.saveArray('spectrum', new Float32Array([3, 2, 1]), [3], { sorted: true })
    const json = sink.saveJson('summary', { a: 1 })
    const big = sink.saveArray('kernel', new Float32Array((1 << 20) + 1), [(1 << 20) + 1])

    const r = await services.call('artifacts.read', { artifactId: small.id })
    expect(r).toEqual({ result: { name: 'spectrum', shape: [3], data: new Float32Array([3, 2, 1]), meta: { sorted: true } } })
    expect(await services.call('artifacts.json', { artifactId: json.id })).toEqual({ result: { a: 1 } })
    const tooBig = await services.call('artifacts.read', { artifactId: big.id })
    expect('error' in tooBig && tooBig.error.code).toBe('too_large')
    expect('error' in tooBig && tooBig.error.hint).toMatch(/heatmap/)
    const missing = await services.call('artifacts.read', { artifactId: 'nope' })
    expect('error' in missing && missing.error.code).toBe('not_found')
  })
})
