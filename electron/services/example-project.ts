import { createProject } from '../engine/store/project-db'

/** Creates the example project: a new project holding the bundled example datasets. */
export function createExampleProjectFile(file: string): void {
  const p = createProject(file)
  try {
    p.db.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES ('example', '1')").run()
  } finally {
    p.close()
  }
}
