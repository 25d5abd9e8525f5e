import { readFileSync } from 'node:fs'
import path from 'node:path'
import { randomUUID } from 'node:crypto'
import type { CliArgs } from '../command'
import { BackendChoice, JobSpec, type ArtifactInfo } from '../../../shared/index'
import { UserError } from '../../../shared/errors'
import { REMOTE_TILE_SPEC_KINDS } from '../../../shared/cluster'
import { DirArtifactSink } from '../../engine/jobs/dir-sink'
import { createDataResolver } from '../../engine/jobs/data-resolver'
import { projectDatasets } from '../../engine/jobs/project-datasets'
import { initBackend, packageVersions } from '../../engine/runtime/backend'
import { openOrCreateProject } from '../../engine/store/project-db'
import { ProjectArtifactSink } from '../../engine/store/artifacts'
import { ProjectModelSink } from '../../engine/store/models'
import { DirModelSink } from '../../engine/jobs/dir-model-sink'
import { RunStore } from '../../engine/store/runs'
import { APP_VERSION } from '../../engine/runtime/version'
import { runJobForCli } from '../job-runner'
import { remoteTilesFlag } from '../remote-flag'

function readSpec(file: string): JobSpec {
  let text: string
  try {
    text = file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8')
  } catch (e) {
    throw new UserError('file_unreadable', `cannot read ${file}: ${(e as Error).message}`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    throw new UserError('bad_json', `${file} is not valid JSON: ${(e as Error).message}`)
  }
  const parsed = JobSpec.safeParse(json)
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(spec)'}: ${i.message}`).join('\n  ')
    throw new UserError('bad_spec', `${file} is not a valid job spec:\n  ${issues}`, "Run 'ntkw schema' (or 'ntkw schema KIND') to see the fields.")
  }
  return parsed.data
}

export async function run({ values, positionals, io }: CliArgs): Promise<number> {
  if (positionals.length !== 1) throw new UserError('usage', 'expected exactly one SPEC.json', "Usage: ntkw run SPEC.json [--project FILE] [--out DIR]")
  const spec = readSpec(positionals[0]!)
  const backend = await initBackend(BackendChoice.parse(values.backend ?? 'auto'))
  const projectPath = values.project as string | undefined
  const outDir = (values.out as string | undefined) ?? (projectPath ? undefined : process.cwd())
  const project = projectPath ? openOrCreateProject(path.resolve(projectPath)) : null
  const runs = project ? new RunStore(project.db) : null
  const runId = randomUUID()
  runs?.create(spec, { ntkw: APP_VERSION, ...packageVersions() }, runId)

  const dirSink = outDir ? new DirArtifactSink(outDir) : null
  const projectSink = project ? new ProjectArtifactSink(project.db, runId) : null
  const written: ArtifactInfo[] = []
  const sink = {
    saveArray: (n: string, d: Float32Array | Float64Array, s: number[], m?: Record<string, unknown>) => {
      const infos = [projectSink?.saveArray(n, d, s, m), dirSink?.saveArray(n, d, s)].filter((x): x is ArtifactInfo => Boolean(x))
      written.push(...infos)
      return infos[0]!
    },
    saveJson: (n: string, v: unknown) => {
      const infos = [projectSink?.saveJson(n, v), dirSink?.saveJson(n, v)].filter((x): x is ArtifactInfo => Boolean(x))
      written.push(...infos)
      return infos[0]!
    },
    openTiled: (n: string, r: number, c: number, m?: Record<string, unknown>) => {
      const ws = [projectSink?.openTiled(n, r, c, m), dirSink?.openTiled(n, r, c)].filter((x) => x !== undefined)
      return {
        writeTile: (r0: number, c0: number, rr: number, cc: number, t: Float32Array) => ws.forEach((w) => w.writeTile(r0, c0, rr, cc, t)),
        close: () => {
          const infos = ws.map((w) => w.close())
          written.push(...infos)
          return infos[0]!
        },
        abort: () => ws.forEach((w) => w.abort()),
      }
    },
  }

  let ranOn = backend.active
  // any other spec would silently run here
  if (values.redis !== undefined && !REMOTE_TILE_SPEC_KINDS.includes(spec.kind)) {
    throw new UserError('usage', `--redis runs ${REMOTE_TILE_SPEC_KINDS.join(', ')} specs on workers (kernel tiles; one job per network and seed, per distillation loss and seed, or per quantization cell); a ${spec.kind} spec cannot run there yet`, 'Drop --redis to run this spec on this machine.')
  }
  const remote = await remoteTilesFlag(values, io, spec.kind)
  try {
    const done = await runJobForCli(io, spec, {
      label: spec.kind,
      quiet: Boolean(values.quiet),
      runId,
      artifacts: sink,
      data: createDataResolver(project ? projectDatasets(project.db) : undefined),
      onEvent: (e) => {
        // the backend the job ran on (a job kind not ported to webgpu runs on wasm beside it)
        if (e.type === 'started') ranOn = e.backend
        runs?.apply(runId, e)
      },
      onDatasetHash: (h) => runs?.setDatasetHash(runId, h),
      models: project ? new ProjectModelSink(project.db) : outDir ? new DirModelSink(path.join(outDir, 'model')) : undefined,
      ...(remote ? { remote } : {}),
    })
    if (!done) return 130
    io.out(JSON.stringify({ runId, backend: ranOn, result: done.result, artifacts: written }, null, 2) + '\n')
    for (const a of written) if (a.path) io.err(`wrote ${a.path}\n`)
    return 0
  } finally {
    project?.close()
  }
}
