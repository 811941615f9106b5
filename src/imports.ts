import type { Database } from './store/open.js';

/**
 * The ledger of `sortie import`: one row per record brought in from another tool, by its source,
 * its id there and its kind, naming what it became here (a task id, a mission id, or what an
 * event was about). It is what makes a second run of the same import add nothing.
 */
export type ImportedKind = 'task' | 'mission' | 'event';

export interface ImportRecord {
  source: string;
  sourceId: string;
  kind: ImportedKind;
  target: string;
  at: string;
}

/** What an earlier import made of this record, or undefined when it was never imported. */
export function importedTarget(db: Database, source: string, kind: ImportedKind, sourceId: string): string | undefined {
  return db.prepare('SELECT target FROM imports WHERE source = ? AND source_id = ? AND kind = ?').pluck().get(source, sourceId, kind) as string | undefined;
}

/** Everything imports made of this kind, from every source (task ids, to keep new ids clear of them). */
export function importedTargets(db: Database, kind: ImportedKind): string[] {
  return db.prepare('SELECT target FROM imports WHERE kind = ?').pluck().all(kind) as string[];
}

/** Remembers one imported record, in the caller's transaction. */
export function recordImport(db: Database, r: ImportRecord): void {
  db.prepare('INSERT INTO imports (source, source_id, kind, target, imported_at) VALUES (?, ?, ?, ?, ?)').run(r.source, r.sourceId, r.kind, r.target, r.at);
}
