import { createProject } from '../engine/store/project-db'
import { createExampleProject } from '../engine/data/examples'
import { rmSync } from 'node:fs'

/** Creates the example project: a new project holding the bundled example datasets (MNIST, Iris, moons, spirals). */
export async function createExampleProjectFile(file: string): Promise<void> {
  const p = createProject(file)
  try {
    p.db.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES ('example', '1')").run()
    await createExampleProject(p.db)
  } catch (e) {
    p.close()
    rmSync(file, { force: true })
    throw e
  }
  p.close()
}
