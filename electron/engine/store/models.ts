import { randomUUID } from 'node:crypto'
import { UserError } from '../../../shared/errors'
import { ModelEvaluation, ModelMeta, type ModelDetail, type ModelLayerRow, type ModelSummary, type WeightHistogram } from '../../../shared/models'
import type { ModelSink, StoredModel } from '../core/job'
import type { Db } from './project-db'

// The project's models: the TF.js model.json (text) and all weights as one blob, plus what the Models page
// lists and shows (metadata, layer table, weight histograms, latest evaluation) so reading them needs no tfjs.

export interface StoredModelFiles {
  modelJson: Record<string, unknown>
  weights: Uint8Array
}

interface Row {
  id: string
  name: string
  created_at: number
  run_id: string | null
  source_kind: string
  meta_json: string
  params: number
  weight_bytes: number
  layers_json: string
  histograms_json: string
  evaluation_json: string | null
}

const SUMMARY_COLS = 'id, name, created_at, run_id, source_kind, meta_json, params, weight_bytes, layers_json, evaluation_json'

function summary(r: Omit<Row, 'histograms_json'>): ModelSummary {
  const meta = ModelMeta.parse(JSON.parse(r.meta_json))
  const ev = r.evaluation_json ? (JSON.parse(r.evaluation_json) as { accuracy?: number }) : null
  const layers = JSON.parse(r.layers_json) as ModelLayerRow[]
  const acc = ev?.accuracy ?? meta.metrics.accuracy ?? meta.metrics.valAccuracy ?? null
  return {
    id: r.id,
    name: r.name,
    createdAt: r.created_at,
    source: meta.source,
    params: r.params,
    weightBytes: r.weight_bytes,
    inputShape: meta.inputShape,
    numClasses: meta.numClasses,
    accuracy: typeof acc === 'number' ? acc : null,
    layers: layers.filter((l) => l.className !== 'InputLayer').length,
    ...(meta.dataset?.name ? { dataset: { name: meta.dataset.name, ...datasetIdOf(meta) } } : {}),
  }
}

function datasetIdOf(meta: ModelMeta): { id?: string } {
  const id = (meta.dataset?.ref as { datasetId?: unknown } | undefined)?.datasetId
  return typeof id === 'string' ? { id } : {}
}

export class ModelStore {
  constructor(private readonly db: Db) {}

  insert(input: { files: StoredModelFiles; meta: ModelMeta; layers: ModelLayerRow[]; histograms: WeightHistogram[]; evaluation?: ModelEvaluation | null; id?: string }): ModelSummary {
    const id = input.id ?? randomUUID()
    const meta = ModelMeta.parse(input.meta)
    this.db
      .prepare(
        `INSERT INTO models (id, name, created_at, run_id, source_kind, meta_json, model_json, weights, params, weight_bytes, layers_json, histograms_json, evaluation_json)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        meta.name,
        Date.now(),
        meta.source.runId ?? null,
        meta.source.kind,
        JSON.stringify(meta),
        JSON.stringify(input.files.modelJson),
        Buffer.from(input.files.weights.buffer, input.files.weights.byteOffset, input.files.weights.byteLength),
        meta.params,
        meta.weightBytes,
        JSON.stringify(input.layers),
        JSON.stringify(input.histograms),
        input.evaluation ? JSON.stringify(input.evaluation) : null,
      )
    return this.summary(id)
  }

  list(): ModelSummary[] {
    const rows = this.db.prepare(`SELECT ${SUMMARY_COLS} FROM models ORDER BY created_at DESC, rowid DESC`).all() as Row[]
    return rows.map(summary)
  }

  summary(id: string): ModelSummary {
    const r = this.db.prepare(`SELECT ${SUMMARY_COLS} FROM models WHERE id = ?`).get(id) as Row | undefined
    if (!r) throw new UserError('not_found', `no model ${id} in this project`, 'List the models with `ntkw model list --project P` or open the Models page.')
    return summary(r)
  }

  get(id: string): ModelDetail {
    const r = this.db.prepare(`SELECT ${SUMMARY_COLS}, histograms_json FROM models WHERE id = ?`).get(id) as Row | undefined
    if (!r) throw new UserError('not_found', `no model ${id} in this project`, 'List the models with `ntkw model list --project P` or open the Models page.')
    return {
      ...summary(r),
      meta: ModelMeta.parse(JSON.parse(r.meta_json)),
      layerTable: JSON.parse(r.layers_json) as ModelLayerRow[],
      histograms: JSON.parse(r.histograms_json) as WeightHistogram[],
      evaluation: r.evaluation_json ? ModelEvaluation.parse(JSON.parse(r.evaluation_json)) : null,
    }
  }

  /** model.json (with the workbench metadata) and the weights, as stored. */
  files(id: string): StoredModelFiles {
    const r = this.db.prepare('SELECT model_json, weights FROM models WHERE id = ?').get(id) as { model_json: string; weights: Buffer } | undefined
    if (!r) throw new UserError('not_found', `no model ${id} in this project`)
    return { modelJson: JSON.parse(r.model_json) as Record<string, unknown>, weights: new Uint8Array(r.weights.buffer, r.weights.byteOffset, r.weights.byteLength) }
  }

  /** Resolves an id, a unique id prefix, or an exact name. */
  resolve(idOrName: string): string {
    const exact = this.db.prepare('SELECT id FROM models WHERE id = ?').get(idOrName) as { id: string } | undefined
    if (exact) return exact.id
    const rows = this.db.prepare("SELECT id FROM models WHERE name = ? OR id LIKE ? || '%'").all(idOrName, idOrName) as { id: string }[]
    if (rows.length === 1) return rows[0]!.id
    if (rows.length > 1) throw new UserError('ambiguous_model', `'${idOrName}' matches ${rows.length} models`, 'Use the full id from `ntkw model list`.')
    throw new UserError('not_found', `no model '${idOrName}' in this project`, 'List the models with `ntkw model list --project P`.')
  }

  setEvaluation(id: string, ev: ModelEvaluation): void {
    const changed = this.db.prepare('UPDATE models SET evaluation_json = ? WHERE id = ?').run(JSON.stringify(ev), id).changes
    if (!changed) throw new UserError('not_found', `no model ${id} in this project`)
  }

  rename(id: string, name: string): void {
    const r = this.db.prepare('SELECT meta_json FROM models WHERE id = ?').get(id) as { meta_json: string } | undefined
    if (!r) throw new UserError('not_found', `no model ${id} in this project`)
    const meta = { ...(JSON.parse(r.meta_json) as ModelMeta), name }
    this.db.prepare('UPDATE models SET name = ?, meta_json = ? WHERE id = ?').run(name, JSON.stringify(meta), id)
  }

  delete(id: string): void {
    this.db.prepare('DELETE FROM models WHERE id = ?').run(id)
  }
}

/** The ModelSink of jobs running against a project. */
export class ProjectModelSink implements ModelSink {
  private readonly store: ModelStore
  constructor(private readonly db: Db) {
    this.store = new ModelStore(db)
  }
  save(m: StoredModel): { id: string } {
    const meta = withDatasetRecipe(this.db, m.meta)
    return { id: this.store.insert({ files: { modelJson: m.modelJson, weights: m.weights }, meta, layers: m.layers, histograms: m.histograms, evaluation: m.evaluation ?? null }).id }
  }
  load(id: string): StoredModelFiles {
    return this.store.files(this.store.resolve(id))
  }
  setEvaluation(id: string, evaluation: ModelEvaluation): void {
    this.store.setEvaluation(this.store.resolve(id), evaluation)
  }
}

/** A model trained on a project dataset records the dataset's name, content hash and recipe (scaling, split) with it. */
function withDatasetRecipe(db: Db, meta: ModelMeta): ModelMeta {
  const ref = meta.dataset?.ref as { type?: string; datasetId?: string; split?: string } | undefined
  if (ref?.type !== 'dataset' || !ref.datasetId) return meta
  const row = db.prepare('SELECT name, hash, recipe_json FROM datasets WHERE id = ?').get(ref.datasetId) as { name: string; hash: string; recipe_json: string } | undefined
  if (!row) return meta
  const recipe = { ...((meta.recipe as Record<string, unknown> | undefined) ?? {}), dataset: JSON.parse(row.recipe_json) as unknown }
  return { ...meta, dataset: { ...meta.dataset, name: row.name, hash: meta.dataset?.hash ?? row.hash, contentHash: row.hash }, recipe }
}
