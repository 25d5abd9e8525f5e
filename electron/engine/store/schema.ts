// Project file schema. `PRAGMA user_version` holds the version; each migration moves one version up inside
// one transaction, so a crash mid-migration leaves the previous version intact.
export const APPLICATION_ID = 0x4e544b57 // 'NTKW' in the SQLite header: identifies our files
export const SCHEMA_VERSION = 3

export const MIGRATIONS: Record<number, string> = {
  1: `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE datasets (id TEXT PRIMARY KEY, name TEXT NOT NULL, source TEXT NOT NULL, format TEXT NOT NULL,
  hash TEXT NOT NULL, schema_json TEXT NOT NULL, recipe_json TEXT NOT NULL DEFAULT '{}', created_at INTEGER NOT NULL);
CREATE TABLE dataset_chunks (dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE, field TEXT NOT NULL,
  chunk INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (dataset_id, field, chunk));
CREATE TABLE experiments (id TEXT PRIMARY KEY, name TEXT NOT NULL, spec_json TEXT NOT NULL,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
CREATE TABLE runs (id TEXT PRIMARY KEY, experiment_id TEXT REFERENCES experiments(id) ON DELETE SET NULL,
  kind TEXT NOT NULL, name TEXT NOT NULL, spec_json TEXT NOT NULL, state TEXT NOT NULL, seed INTEGER NOT NULL,
  backend TEXT, versions_json TEXT NOT NULL DEFAULT '{}', dataset_hash TEXT, created_at INTEGER NOT NULL,
  started_at INTEGER, finished_at INTEGER, progress REAL NOT NULL DEFAULT 0, message TEXT NOT NULL DEFAULT '',
  eta REAL, error TEXT, result_json TEXT);
CREATE INDEX runs_created ON runs(created_at);
CREATE TABLE run_logs (run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, seq INTEGER NOT NULL,
  t INTEGER NOT NULL, level TEXT NOT NULL, message TEXT NOT NULL, PRIMARY KEY (run_id, seq));
CREATE TABLE metrics (run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, name TEXT NOT NULL,
  step REAL NOT NULL, value REAL NOT NULL, t INTEGER NOT NULL);
CREATE INDEX metrics_run_name ON metrics(run_id, name, step);
CREATE TABLE artifacts (id TEXT PRIMARY KEY, run_id TEXT REFERENCES runs(id) ON DELETE CASCADE, name TEXT NOT NULL,
  type TEXT NOT NULL, shape_json TEXT, meta_json TEXT NOT NULL DEFAULT '{}', bytes INTEGER NOT NULL DEFAULT 0,
  complete INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL);
CREATE TABLE artifact_tiles (artifact_id TEXT NOT NULL REFERENCES artifacts(id) ON DELETE CASCADE,
  row0 INTEGER NOT NULL, col0 INTEGER NOT NULL, rows INTEGER NOT NULL, cols INTEGER NOT NULL, data BLOB NOT NULL,
  PRIMARY KEY (artifact_id, row0, col0));
`,
  // Models (TF.js Layers: model.json + one weights blob) with their metadata, layer table, weight histograms
  // and latest evaluation, so listing and viewing them needs no tfjs.
  2: `
CREATE TABLE models (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at INTEGER NOT NULL, run_id TEXT,
  source_kind TEXT NOT NULL, meta_json TEXT NOT NULL, model_json TEXT NOT NULL, weights BLOB NOT NULL,
  params INTEGER NOT NULL, weight_bytes INTEGER NOT NULL, layers_json TEXT NOT NULL DEFAULT '[]',
  histograms_json TEXT NOT NULL DEFAULT '[]', evaluation_json TEXT);
CREATE INDEX models_created ON models(created_at);
`,
  // Live views read a run's metrics after a rowid cursor (RunStore.metricsSince): an index on run_id alone
  // keeps its entries in rowid order, so the read walks the new rows only instead of sorting the whole run.
  3: `
CREATE INDEX metrics_run_seq ON metrics(run_id);
`,
}
