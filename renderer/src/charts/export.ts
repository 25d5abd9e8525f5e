import { downloadUrl as download } from '../download'
import { echarts, pageBackground, themeName, type EChartsOption } from './echarts'

/** PNG of what is on screen, at 2× for print, with the page background (not transparent). */
export function exportPng(chart: echarts.ECharts, filename: string, dark: boolean): string {
  const url = chart.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: pageBackground(dark) })
  download(url, `${filename}.png`)
  return url
}

/** SVG needs the SVG renderer: draw the same option once more, off-screen, without animation. */
export function exportSvg(option: EChartsOption, width: number, height: number, filename: string, dark: boolean): string {
  const host = document.createElement('div')
  host.style.cssText = `position:fixed;left:-10000px;top:0;width:${width}px;height:${height}px`
  document.body.appendChild(host)
  const off = echarts.init(host, themeName(dark), { renderer: 'svg', width, height })
  try {
    off.setOption({ ...option, animation: false, backgroundColor: pageBackground(dark) })
    const url = off.getDataURL({ type: 'svg' })
    download(url, `${filename}.svg`)
    return url
  } finally {
    off.dispose()
    host.remove()
  }
}
