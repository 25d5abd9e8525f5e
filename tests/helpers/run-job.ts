import type { JobEvent, JobSpecInput } from '../../shared/index'
import { JobSpec } from '../../shared/index'
import { executeJob, type ExecuteOutcome } from '../../electron/engine/jobs/execute'
import { createDataResolver } from '../../electron/engine/jobs/data-resolver'
import { loadProjectDataset } from '../../electron/engine/jobs/project-datasets'
import { ProjectArtifactSink } from '../../electron/engine/store/artifacts'
import type { ProjectHandle } from '../../electron/engine/store/project-db'
import { ProjectModelSink } from '../../electron/engine/store/models'
import { RunStore } from '../../electron/engine/store/runs'

/**
 * Runs one job in this process as the app's job host does: a stored run, its events applied to the run and
 * kept, artifacts in the project, data from the project's datasets (and, with `models`, trained models saved
 * to it).
 */
export async function runJobInProject(project: ProjectHandle, spec: JobSpecInput, opts: { models?: boolean } = {}): Promise<{ outcome: ExecuteOutcome; events: JobEvent[]; runId: string }> {
  const runs = new RunStore(project.db)
  const parsed = JobSpec.parse(spec)
  const run = runs.create(parsed, {})
  const events: JobEvent[] = []
  const outcome = await executeJob(parsed, {
    runId: run.id,
    signal: new AbortController().signal,
    emit: (e) => {
      events.push(e)
      runs.apply(run.id, e)
    },
    artifacts: new ProjectArtifactSink(project.db, run.id),
    data: createDataResolver((ref) => loadProjectDataset(project.db, ref)),
    ...(opts.models ? { models: new ProjectModelSink(project.db) } : {}),
  })
  return { outcome, events, runId: run.id }
}
