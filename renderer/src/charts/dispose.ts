import type { ECharts } from 'echarts/core'

/**
 * Disposes a chart without leaving zrender a paint to finish. A layer zrender counts as incremental is painted
 * in 15 ms slices, the rest on the next animation frame; ECharts 6.1's heatmap marks its cells incremental even
 * when it renders them at once (getIncrementalId with no flag means yes), so on a loaded machine a heatmap's
 * paint can still be pending when its view goes, and that frame then reads the disposed painter ("Cannot read
 * properties of null (reading 'layerStack')"). The pending slice runs only while the painter's redraw id is
 * the one it was scheduled with: changing it drops the slice. (The id is zrender's own field, not its API:
 * tests/e2e/chart-dispose.e2e.ts fails if a zrender update renames it.)
 */
export function disposeChart(c: ECharts): void {
  const painter = (c.getZr() as unknown as { painter?: { _redrawId?: unknown } }).painter
  if (painter) painter._redrawId = null
  c.dispose()
}
