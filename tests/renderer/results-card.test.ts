// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import ResultsCard from '../../renderer/src/components/results/ResultsCard.vue'
import type { RunDetail } from '../../shared/project'
import { summary } from './fake-api'

// The results frame says when a run used fewer points than it asked for (issue 21: "a used-size notice in
// the result, not the logs").
const detail = (train: number, test: number): RunDetail =>
  ({ summary: summary({ id: 'r1', kind: 'distill-study', name: 'study of 6 losses × 3 seeds · digits' }), spec: { data: { datasetId: 'd1', train, test } }, result: null, versions: {}, logs: [], metricNames: [], artifacts: [] }) as unknown as RunDetail

describe('ResultsCard', () => {
  it('shows the used sizes when the split held fewer than asked, and nothing when it held enough', () => {
    const short = mount(ResultsCard, { props: { runId: 'r1', detail: detail(2000, 1000), testid: 'kd-results', used: { train: 1259, test: 269 } }, slots: { default: '<p class="inner">charts</p>' } })
    const notice = short.find('[data-testid=sizes-used]')
    expect(notice.exists()).toBe(true)
    expect(notice.text()).toMatch(/Used 1,259 training and 269 held-out points: 2,000 \/ 1,000 were asked/)
    expect(short.find('.inner').exists()).toBe(true)
    expect(short.find('h2').text()).toBe('study of 6 losses × 3 seeds · digits')

    const enough = mount(ResultsCard, { props: { runId: 'r1', detail: detail(500, 200), testid: 'kd-results', used: { train: 500, test: 200 } } })
    expect(enough.find('[data-testid=sizes-used]').exists()).toBe(false)
    // runs recorded before the sizes were reported
    expect(mount(ResultsCard, { props: { runId: 'r1', detail: detail(2000, 1000), testid: 'kd-results', used: null } }).find('[data-testid=sizes-used]').exists()).toBe(false)
  })
})
