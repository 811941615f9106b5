import { expect } from 'vitest';
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import Database from 'better-sqlite3';
import { HOOK, dbOf, type TempRepo } from '../repo.js';

/** Commits these paths with an author and committer date that carries its own time zone. */
export function commitAt(repo: TempRepo, paths: string[], date: string, message: string): void {
  const env = { ...repo.env, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date };
  execFileSync('git', ['add', '--', ...paths], { cwd: repo.dir, env, stdio: 'ignore' });
  execFileSync('git', ['commit', '-q', '-m', message], { cwd: repo.dir, env, stdio: 'ignore' });
}

export interface FileState {
  sha256: string;
  mtimeMs: number;
}

/** Every file under root (content hash and mtime), skipping the folders named in `skip`. */
export function treeState(root: string, skip: string[] = ['.git']): Record<string, FileState> {
  const out: Record<string, FileState> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const rel = relative(root, p);
      if (skip.includes(rel)) continue;
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else out[rel] = { sha256: createHash('sha256').update(readFileSync(p)).digest('hex'), mtimeMs: st.mtimeMs };
    }
  };
  walk(root);
  return out;
}

/** The bytes and mtime of sortie's database file (and whether a WAL is beside it). */
export function dbFileState(repo: TempRepo): FileState & { files: string[] } {
  const file = dbOf(repo);
  const st = statSync(file);
  return {
    sha256: createHash('sha256').update(readFileSync(file)).digest('hex'),
    mtimeMs: st.mtimeMs,
    files: readdirSync(join(file, '..')).filter((n) => n.startsWith('sortie.db')).sort(),
  };
}

/** Every row of every table of sortie's database, for before/after comparisons. */
export function dbRows(repo: TempRepo): Record<string, unknown[]> {
  const db = new Database(dbOf(repo), { readonly: true, fileMustExist: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[];
    return Object.fromEntries(tables.map((t) => [t, db.prepare(`SELECT * FROM "${t}"`).all()]));
  } finally {
    db.close();
  }
}

export function count(repo: TempRepo, sql: string, ...args: unknown[]): number {
  const db = new Database(dbOf(repo), { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).pluck().get(...args) as number;
  } finally {
    db.close();
  }
}

export function rows<T = Record<string, unknown>>(repo: TempRepo, sql: string, ...args: unknown[]): T[] {
  const db = new Database(dbOf(repo), { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...args) as T[];
  } finally {
    db.close();
  }
}

/**
 * A real SessionStart through the built hook entry (dist/hook.cjs), as Claude Code sends it;
 * returns the injected context.
 */
export function sessionStart(repo: TempRepo, sessionId: string): string {
  const r = spawnSync(process.execPath, [HOOK, 'claude-code', 'SessionStart'], {
    cwd: repo.dir,
    env: { ...repo.env, CLAUDECODE: '1', CLAUDE_PROJECT_DIR: repo.dir, CLAUDE_CODE_SESSION_ID: sessionId },
    input: JSON.stringify({ session_id: sessionId, transcript_path: join(repo.dir, '..', `${sessionId}.jsonl`), cwd: repo.dir, hook_event_name: 'SessionStart', source: 'startup' }),
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (r.status !== 0 || r.stderr) throw new Error(`SessionStart failed (exit ${r.status}): ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { hookSpecificOutput: { additionalContext: string } };
  return out.hookSpecificOutput.additionalContext;
}

/** The SQLite file of a source, created with the given schema. */
export function sqlite(path: string, schema: string): Database.Database {
  const db = new Database(path);
  db.exec(schema);
  return db;
}

/**
 * The codenames sortie gave the imported missions that had none, in mission order: each clone
 * draws its own (missions/codename.ts), so tests name them by position. They are checked to be
 * codenames, and different.
 */
export function givenNames(repo: TempRepo, n: number): string[] {
  const names = (rows(repo, 'SELECT codename FROM missions ORDER BY id') as { codename: string }[]).map((r) => r.codename).slice(0, n);
  expect(names).toHaveLength(n);
  for (const name of names) expect(name).toMatch(/^[a-z]+-[a-z]+$/);
  expect(new Set(names).size).toBe(n);
  return names;
}
