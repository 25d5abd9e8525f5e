// One colour per width, the same in every chart and every run: the colour is a function of the width
// itself (its octave, round(log2 w)), not of its position in a list, so w=256 looks the same whether a
// sweep has 3 widths or 8. Eight hues cover eight consecutive octaves (e.g. 16 … 2048) without repeats.

const WIDTH_LIGHT = ['#3366d6', '#e0742b', '#1c9a6c', '#c23b7a', '#7a5bd1', '#b59a16', '#2a9bb8', '#8a5a3c']
const WIDTH_DARK = ['#6b9bff', '#ff9a55', '#43c98b', '#f06bab', '#a88bff', '#e3c441', '#4cc3e0', '#c98f6b']

/** ∞ (the analytic limit) is drawn in the text colour: it is the reference, not one more width. */
export function infinityColor(dark: boolean): string {
  return dark ? '#e2e6ee' : '#1c2230'
}

export function widthColor(width: number | 'inf', dark: boolean): string {
  if (width === 'inf' || !Number.isFinite(width)) return infinityColor(dark)
  const palette = dark ? WIDTH_DARK : WIDTH_LIGHT
  // +2 puts w=64 (octave 6) on the first hue, so the usual 64 … 2048 get the most distinct ones.
  const octave = Math.max(0, Math.round(Math.log2(Math.max(1, width))))
  return palette[(octave + 2) % palette.length]!
}

/** Colours of two kernels side by side (NTK, NNGP). */
export function kernelColor(kernel: 'ntk' | 'nngp', dark: boolean): string {
  if (kernel === 'ntk') return dark ? '#6b9bff' : '#3366d6'
  return dark ? '#ff9a55' : '#e0742b'
}

/** Series colours for overlays of many runs: a fixed cycle; the baseline is drawn in the text colour. */
const RUN_LIGHT = ['#3366d6', '#e0742b', '#1c9a6c', '#c23b7a', '#7a5bd1', '#b59a16', '#2a9bb8', '#7d8696', '#d14b4b', '#4b8f2f']
const RUN_DARK = ['#6b9bff', '#ff9a55', '#43c98b', '#f06bab', '#a88bff', '#e3c441', '#4cc3e0', '#a0a8b8', '#ff7b7b', '#8fd06a']

export function runColor(index: number, dark: boolean): string {
  const p = dark ? RUN_DARK : RUN_LIGHT
  return p[index % p.length]!
}
