import { echarts, themeName } from '../../charts/echarts'
import { downsample, MAX_CHART_POINTS, type Pt } from './chart-common'
import { overlayOption } from './options-overlay'

// A diagnostic the end-to-end test (and a curious user in the console) can call: how long the chart path
// takes for a long series: LTTB to MAX_CHART_POINTS, then drawing it with the app's chart options.

export interface DrawTiming {
  points: number
  drawn: number
  lttbMs: number
  drawMs: number
}

async function drawSeries(n = 100_000, dark = false): Promise<DrawTiming> {
  const raw: Pt[] = []
  let v = 1
  for (let i = 0; i < n; i++) {
    // a decaying loss with noise, deterministic
    v = Math.exp(-i / (n / 4)) * (1 + 0.2 * Math.sin(i * 12.9898) * Math.sin(i * 0.013))
    raw.push([i, v])
  }
  const host = document.createElement('div')
  host.style.cssText = 'position:fixed;left:-10000px;top:0;width:900px;height:320px'
  document.body.appendChild(host)
  const chart = echarts.init(host, themeName(dark), { renderer: 'canvas' })
  try {
    const t0 = performance.now()
    const pts = downsample(raw, MAX_CHART_POINTS)
    const t1 = performance.now()
    const option = overlayOption([{ runId: 'probe', label: 'probe', steps: pts.map((p) => p[0]), values: pts.map((p) => p[1]) }], 'loss', dark)
    chart.setOption(option, { notMerge: true })
    chart.getZr().flush()
    const t2 = performance.now()
    return { points: n, drawn: pts.length, lttbMs: t1 - t0, drawMs: t2 - t1 }
  } finally {
    chart.dispose()
    host.remove()
  }
}

export function installPerfProbe(): void {
  if (typeof window === 'undefined') return
  ;(window as unknown as { ntkwLabProbe?: unknown }).ntkwLabProbe = { drawSeries }
}
