import { z } from 'zod'
import { JobState, ArtifactInfo } from './jobs/events'
import { JobSpec } from './jobs/spec'

export const ProjectInfo = z.object({
  path: z.string(),
  name: z.string(),
  /** created as a scratch project that has not been saved under a name yet */
  untitled: z.boolean(),
  schemaVersion: z.number().int(),
  createdAt: z.number(),
})
export type ProjectInfo = z.infer<typeof ProjectInfo>

export const RecentEntry = z.object({ path: z.string(), name: z.string(), openedAt: z.number(), exists: z.boolean() })
export type RecentEntry = z.infer<typeof RecentEntry>

export const RunSummary = z.object({
  id: z.string(),
  kind: z.string(),
  name: z.string(),
  state: JobState,
  seed: z.number().int(),
  backend: z.string().nullable(),
  createdAt: z.number(),
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  progress: z.number().min(0).max(1),
  message: z.string(),
  eta: z.number().nullable(),
  error: z.string().nullable(),
  datasetHash: z.string().nullable(),
  experimentId: z.string().nullable(),
})
export type RunSummary = z.infer<typeof RunSummary>

export const LogLine = z.object({ t: z.number(), level: z.string(), message: z.string() })
export type LogLine = z.infer<typeof LogLine>

export const RunDetail = z.object({
  summary: RunSummary,
  spec: z.unknown(),
  result: z.unknown().nullable(),
  versions: z.record(z.string(), z.string()),
  logs: z.array(LogLine),
  metricNames: z.array(z.string()),
  artifacts: z.array(ArtifactInfo),
})
export type RunDetail = z.infer<typeof RunDetail>

export const MetricSeries = z.object({
  name: z.string(),
  steps: z.array(z.number()),
  values: z.array(z.number()),
  /** number of points stored before down-sampling */
  total: z.number().int(),
})
export type MetricSeries = z.infer<typeof MetricSeries>

export const Experiment = z.object({
  id: z.string(),
  name: z.string(),
  spec: JobSpec,
  createdAt: z.number(),
  updatedAt: z.number(),
  /** runs started from it */
  runs: z.number().int(),
})
export type Experiment = z.infer<typeof Experiment>
