import { existsSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import type { Services } from './services'
import { createExampleProjectFile } from './example-project'

/**
 * What opens at start: a file passed on the command line (or double-clicked), else the most recent project
 * that still exists, else the bundled example project (created once in the config folder).
 */
export async function openStartupProject(s: Services, requested: string | null): Promise<void> {
  if (requested) {
    s.project.open(requested)
    return
  }
  const recent = s.settings.recent().find((r) => r.exists)
  if (recent) {
    try {
      s.project.open(recent.path)
      return
    } catch {
      /* fall through to the example */
    }
  }
  const example = path.join(s.settings.dir, 'Example.ntkw')
  if (!existsSync(example)) {
    mkdirSync(s.settings.dir, { recursive: true })
    await createExampleProjectFile(example)
  }
  s.project.open(example)
}
