// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import ModelList from '../../renderer/src/components/models/ModelList.vue'
import type { ModelSummary } from '../../shared/models'

// The project's lists share one table (SelectableTable): a row is picked by click or Enter, the picked rows
// are marked, and each row carries the data attributes the pages and tests find it by. Shown on the models
// list, whose "Compare" button picks a second model without moving the first.

function model(id: string, name: string, accuracy: number | null): ModelSummary {
  return { id, name, createdAt: 1_700_000_000_000, source: { kind: 'train', runId: 'r1' }, params: 50_890, weightBytes: 203_560, inputShape: [784], numClasses: 10, accuracy, layers: 3 }
}

describe('SelectableTable (models list)', () => {
  const models = [model('m1', 'mnist mlp', 0.9712), model('m2', 'wide mlp', null)]

  it('renders one row per model with its attributes, cells and selection state', () => {
    const w = mount(ModelList, { props: { models, selected: ['m2'] } })
    const rows = w.findAll('[data-testid=model-row]')
    expect(rows.map((r) => [r.attributes('data-model-id'), r.attributes('data-name'), r.attributes('aria-selected'), r.classes('sel')])).toEqual([
      ['m1', 'mnist mlp', 'false', false],
      ['m2', 'wide mlp', 'true', true],
    ])
    expect(rows[0]!.get('[data-col=accuracy]').text()).toBe('97.12 %')
    expect(rows[1]!.get('[data-col=accuracy]').text()).toBe('–')
    expect(w.findAll('thead th').map((th) => th.text())).toEqual(['Name', 'Parameters', 'Size', 'Accuracy', 'Input', 'Source', 'Created', 'Compare'])
    expect(w.get('table').attributes('data-testid')).toBe('model-table')
  })

  it('click and Enter select a row; Compare adds it without the row click', async () => {
    const w = mount(ModelList, { props: { models, selected: ['m2'] } })
    const rows = w.findAll('[data-testid=model-row]')
    await rows[0]!.trigger('click')
    await rows[1]!.trigger('keydown', { key: 'Enter' })
    await rows[0]!.get('[data-testid=compare-model]').trigger('click')
    expect(w.emitted('select')).toEqual([
      ['m1', false],
      ['m2', false],
      ['m1', true],
    ])
    // the selected model's Compare button is off
    expect(rows[1]!.get('[data-testid=compare-model]').attributes('disabled')).toBeDefined()
  })
})
