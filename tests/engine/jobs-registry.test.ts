import { describe, expect, it } from 'vitest'
import { JOB_KINDS, type JobKind } from '../../shared/index'
import { implementedKinds, runnerFor, type RunnerTable } from '../../electron/engine/jobs/registry'

describe('job registry', () => {
  it('has a decision for every kind of the contract: a runner that loads, or not offered', async () => {
    const offered = implementedKinds()
    expect(offered.length).toBeGreaterThan(0)
    for (const k of JOB_KINDS) {
      if (offered.includes(k)) expect(typeof (await runnerFor(k))).toBe('function')
      else await expect(runnerFor(k)).rejects.toMatchObject({ code: 'not_implemented' })
    }
    await expect(runnerFor('nope' as JobKind)).rejects.toMatchObject({ code: 'not_implemented' })
    await expect(runnerFor('toString' as JobKind)).rejects.toMatchObject({ code: 'not_implemented' })
  })

  // Exhaustive at compile time: `npm run typecheck` (tsconfig.json includes tests/) fails on this line if a
  // table that misses kinds ever type-checks, because the @ts-expect-error would then be unused.
  // @ts-expect-error every JobKind needs an entry: a runner loader or null
  const _partial: RunnerTable = { kernel: null }
})
