// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'

// Issue 21 #10: forms with number fields (Models' train form, the layer rows of the architecture editor, KIP's
// sizes) were unstyled: the app's stylesheet dressed text fields and selects, not number fields.

// read as text through Node (the renderer's types have no Node; a ?raw import of CSS comes back empty under vitest)
const fs = (await import('node:fs' as string)) as { readFileSync(path: string, encoding: 'utf8'): string }
const css = fs.readFileSync('renderer/src/styles/main.css', 'utf8') // vitest runs from the repository root

describe('form controls share one look', () => {
  it('a number field gets the same height, border and radius as a text field and a select', () => {
    document.head.innerHTML = `<style>${css}</style>`
    document.body.innerHTML = '<input type="text"><input type="number"><select></select>'
    const look = (el: Element) => {
      const s = getComputedStyle(el)
      return [s.height, s.borderTopWidth, s.borderTopStyle, s.borderRadius, s.paddingLeft]
    }
    const [text, num, sel] = [...document.body.children].map(look)
    expect(text![0]).toBe('30px')
    expect(num).toEqual(text)
    expect(sel).toEqual(text)
  })
})
