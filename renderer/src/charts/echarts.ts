import * as echarts from 'echarts/core'
import { BarChart, CustomChart, HeatmapChart, LineChart, ScatterChart } from 'echarts/charts'
import { DataZoomComponent, GridComponent, LegendComponent, MarkAreaComponent, MarkLineComponent, MarkPointComponent, TitleComponent, TooltipComponent, VisualMapComponent } from 'echarts/components'
import { CanvasRenderer, SVGRenderer } from 'echarts/renderers'

// Only what the app draws: smaller bundle, and one place to add a chart type.
echarts.use([BarChart, CustomChart, LineChart, ScatterChart, HeatmapChart, GridComponent, TooltipComponent, LegendComponent, TitleComponent, DataZoomComponent, VisualMapComponent, MarkAreaComponent, MarkLineComponent, MarkPointComponent, CanvasRenderer, SVGRenderer])

const PALETTE_LIGHT = ['#3366d6', '#e0742b', '#1c9a6c', '#c23b7a', '#7a5bd1', '#b59a16', '#2a9bb8', '#7d8696']
const PALETTE_DARK = ['#6b9bff', '#ff9a55', '#43c98b', '#f06bab', '#a88bff', '#e3c441', '#4cc3e0', '#a0a8b8']

function theme(dark: boolean) {
  const text = dark ? '#c9d0dc' : '#39414f'
  const muted = dark ? '#8d97a8' : '#6a7384'
  const axis = dark ? '#3a4252' : '#c6cbd4'
  const split = dark ? '#262b36' : '#eceef2'
  const axisStyle = {
    axisLine: { show: true, lineStyle: { color: axis } },
    axisTick: { lineStyle: { color: axis } },
    axisLabel: { color: muted },
    splitLine: { lineStyle: { color: split } },
    nameTextStyle: { color: muted },
  }
  return {
    color: dark ? PALETTE_DARK : PALETTE_LIGHT,
    backgroundColor: 'transparent',
    textStyle: { color: text, fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif' },
    title: { textStyle: { color: text }, subtextStyle: { color: muted } },
    legend: { textStyle: { color: text } },
    tooltip: {
      backgroundColor: dark ? '#232834' : '#ffffff',
      borderColor: dark ? '#3a4252' : '#dcdfe5',
      textStyle: { color: text },
    },
    categoryAxis: axisStyle,
    valueAxis: axisStyle,
    logAxis: axisStyle,
    timeAxis: axisStyle,
    dataZoom: { textStyle: { color: muted }, borderColor: axis },
    // value labels sit on the page background: plain text, no outline
    bar: { label: { color: text, textBorderWidth: 0, textBorderColor: 'transparent' }, progressive: 0 },
    line: { label: { color: text, textBorderWidth: 0, textBorderColor: 'transparent' }, progressive: 0 },
    // Every series draws in one frame. Progressive drawing continues in later animation frames that zrender
    // 6.1 does not cancel when the chart is disposed: a chart replaced mid-draw (a loaded machine, a run
    // switched) then threw "Cannot read properties of null (reading 'layerStack')" and left a half-drawn
    // heatmap. Series hold at most MAX_CHART_POINTS points or a heatmap of a few thousand cells: one frame.
    scatter: { progressive: 0 },
    heatmap: { progressive: 0 },
    custom: { progressive: 0 },
  }
}

echarts.registerTheme('ntkw-light', theme(false))
echarts.registerTheme('ntkw-dark', theme(true))

export function themeName(dark: boolean): string {
  return dark ? 'ntkw-dark' : 'ntkw-light'
}

export function pageBackground(dark: boolean): string {
  return dark ? '#1c2029' : '#ffffff'
}

export { echarts }
export type EChartsOption = echarts.EChartsCoreOption
