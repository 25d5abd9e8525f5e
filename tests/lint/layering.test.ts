import { describe, expect, it } from 'vitest'
import { ESLint } from 'eslint'
import { fileURLToPath } from 'node:url'

// The layering rule must bite: lint deliberate violations as if they were files in each layer.
const cwd = fileURLToPath(new URL('../..', import.meta.url))
const eslint = new ESLint({ cwd })

async function layeringErrors(code: string, filePath: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath })
  return r!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message)
}

async function engineLayerErrors(code: string, filePath: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath })
  return r!.messages.filter((m) => m.ruleId === 'ntkw/engine-layers').map((m) => m.message)
}

describe('engine folders import only downward', () => {
  const imp = (from: string): string => `import { x } from '${from}'\nexport const y = x\n`
  it('refuses upward and same-level imports, naming both folders', async () => {
    expect(await engineLayerErrors(imp('../jobs/registry'), 'electron/engine/ntk/violation.ts')).toEqual([expect.stringMatching(/ntk\/ may not import electron\/engine\/jobs\//)])
    expect(await engineLayerErrors(imp('../ntk/empirical'), 'electron/engine/nn/violation.ts')).toHaveLength(1)
    expect(await engineLayerErrors(imp('../data/split'), 'electron/engine/core/violation.ts')).toHaveLength(1)
    expect(await engineLayerErrors(imp('../../nn/mlp'), 'electron/engine/data/readers/violation.ts')).toEqual([expect.stringMatching(/same/)])
    expect(await engineLayerErrors(imp('../host'), 'electron/engine/jobs/violation.ts')).toHaveLength(1)
    // dynamic imports count too
    expect(await engineLayerErrors("export const m = () => import('../lab/fit')\n", 'electron/engine/ntk/violation.ts')).toHaveLength(1)
  })

  it('asks for a new folder to be placed in the order', async () => {
    expect(await engineLayerErrors(imp('../core/matrix'), 'electron/engine/newthing/violation.ts')).toEqual([expect.stringMatching(/newthing\/ is not in the engine layer map/)])
  })

  it('allows downward imports, imports inside a folder, and shared/', async () => {
    expect(await engineLayerErrors(imp('../nn/mlp'), 'electron/engine/ntk/ok.ts')).toHaveLength(0)
    expect(await engineLayerErrors(imp('../../ntk/analytic'), 'electron/engine/jobs/kinds/ok.ts')).toHaveLength(0)
    expect(await engineLayerErrors(imp('./tile'), 'electron/engine/ntk/ok.ts')).toHaveLength(0)
    expect(await engineLayerErrors(imp('../../../shared/errors'), 'electron/engine/core/ok.ts')).toHaveLength(0)
    expect(await engineLayerErrors(imp('./jobs/execute'), 'electron/engine/ok.ts')).toHaveLength(0)
  })
})

describe('layering lint rule', () => {
  it('engine may not import electron, services or main', async () => {
    expect(await layeringErrors("import { app } from 'electron'\nexport const a = app\n", 'electron/engine/violation.ts')).toHaveLength(1)
    expect(await layeringErrors("import { Services } from '../services/services'\nexport const s = Services\n", 'electron/engine/violation.ts')).toHaveLength(1)
    expect(await layeringErrors("import { x } from '../main/index'\nexport const y = x\n", 'electron/engine/jobs/violation.ts')).toHaveLength(1)
  })

  it('cli and services may not import electron', async () => {
    expect(await layeringErrors("import { BrowserWindow } from 'electron'\nexport const b = BrowserWindow\n", 'electron/cli/violation.ts')).toHaveLength(1)
    expect(await layeringErrors("import { dialog } from 'electron'\nexport const d = dialog\n", 'electron/services/violation.ts')).toHaveLength(1)
  })

  it('renderer may not import Node modules or electron/*', async () => {
    expect(await layeringErrors("import fs from 'node:fs'\nexport const f = fs\n", 'renderer/src/violation.ts')).toHaveLength(1)
    expect(await layeringErrors("import path from 'path'\nexport const p = path\n", 'renderer/src/violation.ts')).toHaveLength(1)
    expect(await layeringErrors("import { Services } from '../../electron/services/services'\nexport const s = Services\n", 'renderer/src/violation.ts')).toHaveLength(1)
  })

  it('shared may not import anything of ours', async () => {
    expect(await layeringErrors("import { RunStore } from '../electron/engine/store/runs'\nexport const r = RunStore\n", 'shared/violation.ts')).toHaveLength(1)
    expect(await layeringErrors("import fs from 'node:fs'\nexport const f = fs\n", 'shared/violation.ts')).toHaveLength(1)
  })

  it('allowed imports pass', async () => {
    expect(await layeringErrors("import { JobSpec } from '../../shared/index'\nexport const j = JobSpec\n", 'electron/engine/ok.ts')).toHaveLength(0)
    expect(await layeringErrors("import { JobSpec } from '../../../shared/index'\nexport const j = JobSpec\n", 'renderer/src/api/ok.ts')).toHaveLength(0)
    expect(await layeringErrors("import { z } from 'zod'\nexport const s = z.string()\n", 'shared/ok.ts')).toHaveLength(0)
  })
})

describe('stores never import components', () => {
  it('refuses a store importing a component file, a view or a .vue file', async () => {
    const msg = /a store may not import a component/
    expect(await layeringErrors("import { describeArch } from '../components/lab/options-kernel'\nexport const d = describeArch\n", 'renderer/src/stores/violation.ts')).toEqual([expect.stringMatching(msg)])
    expect(await layeringErrors("import Panel from '../components/kip/KipPanel.vue'\nexport const p = Panel\n", 'renderer/src/stores/violation.ts')).toEqual([expect.stringMatching(msg)])
    expect(await layeringErrors("import View from '../views/NtkLabView.vue'\nexport const v = View\n", 'renderer/src/stores/violation.ts')).toEqual([expect.stringMatching(msg)])
  })

  it('keeps the renderer rules in stores and allows forms, other stores and shared/', async () => {
    expect(await layeringErrors("import fs from 'node:fs'\nexport const f = fs\n", 'renderer/src/stores/violation.ts')).toHaveLength(1)
    expect(await layeringErrors("import { defaultKipForm } from '../forms/kip-form'\nexport const f = defaultKipForm\n", 'renderer/src/stores/ok.ts')).toHaveLength(0)
    expect(await layeringErrors("import { useRuns } from './runs'\nexport const r = useRuns\n", 'renderer/src/stores/ok.ts')).toHaveLength(0)
    expect(await layeringErrors("import { JobSpec } from '../../../shared/index'\nexport const j = JobSpec\n", 'renderer/src/stores/ok.ts')).toHaveLength(0)
  })

  it('components may still import components', async () => {
    expect(await layeringErrors("import Panel from '../kip/KipPanel.vue'\nexport const p = Panel\n", 'renderer/src/components/lab/ok.ts')).toHaveLength(0)
  })
})
