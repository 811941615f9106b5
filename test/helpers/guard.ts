/**
 * Helpers for the commit guard tests: real `git commit` through the installed husky hooks, and
 * agents started the way Claude Code starts them (the SessionStart hook, then its shell env).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from './db.js';
import { dbOf, HOOK, toResult, type Result, type TempRepo } from './repo.js';

/** Runs git with the repo's scrubbed env plus `env`; never throws. */
export function gitRun(repo: TempRepo, args: string[], o: { env?: Record<string, string | undefined>; cwd?: string } = {}): Result {
  const env: Record<string, string> = { ...repo.env };
  for (const [k, v] of Object.entries(o.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return toResult(spawnSync('git', args, { cwd: o.cwd ?? repo.dir, env, encoding: 'utf8' }));
}

export function commitCount(repo: TempRepo, cwd?: string): number {
  return Number(gitRun(repo, ['rev-list', '--count', 'HEAD'], { cwd }).stdout.trim());
}

export function head(repo: TempRepo, cwd?: string): string {
  return gitRun(repo, ['rev-parse', 'HEAD'], { cwd }).stdout.trim();
}

let n = 0;
/** Writes a fresh change to `file` and stages only it (so task files changed by a claim stay out). */
export function stage(repo: TempRepo, file = 'work.txt', cwd?: string): void {
  const dir = cwd ?? repo.dir;
  writeFileSync(join(dir, file), `change ${++n} ${Date.now()}\n`, { flag: 'a' });
  const r = gitRun(repo, ['add', file], { cwd: dir });
  if (r.code !== 0) throw new Error(r.stderr);
}

/** Stages a change and runs a real `git commit -m <message>` through the hooks. */
export function commit(repo: TempRepo, message: string, o: { env?: Record<string, string | undefined>; cwd?: string; args?: string[] } = {}): Result {
  stage(repo, 'work.txt', o.cwd);
  return gitRun(repo, ['commit', '-q', '-m', message, ...(o.args ?? [])], o);
}

export interface Agent {
  sid: string;
  id: number;
  codename: string;
  /** The env of the agent's Bash tool, as Claude Code sets it (SORTIE_MISSION not included). */
  env: Record<string, string>;
  /** The same with SORTIE_MISSION from CLAUDE_ENV_FILE, and no session variable. */
  missionEnv: Record<string, string>;
}

/** Starts an agent mission by running sortie's SessionStart hook the way Claude Code runs it. */
export function startAgent(repo: TempRepo, sid: string, cwd = repo.dir): Agent {
  const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'sortie-envfile-')));
  const envFile = join(tmp, 'sessionstart-hook-0.sh');
  try {
    const env = { CLAUDECODE: '1', CLAUDE_CODE_CHILD_SESSION: '1', CLAUDE_CODE_ENTRYPOINT: 'sdk-cli', CLAUDE_CODE_SESSION_ID: sid };
    const payload = { session_id: sid, transcript_path: join(tmp, `${sid}.jsonl`), cwd, hook_event_name: 'SessionStart', source: 'startup' };
    const r = spawnSync(process.execPath, [HOOK, 'claude-code', 'SessionStart'], {
      cwd,
      env: { ...repo.env, ...env, CLAUDE_PROJECT_DIR: cwd, CLAUDE_ENV_FILE: envFile },
      input: JSON.stringify(payload),
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`SessionStart failed: ${r.stderr}`);
    const exported = readFileSync(envFile, 'utf8');
    const id = Number(/SORTIE_MISSION='?(\d+)/.exec(exported)?.[1]);
    if (!id) throw new Error(`no SORTIE_MISSION exported: ${exported}\n${r.stdout}\n${r.stderr}`);
    const codename = inspect(dbOf(repo), (d) => d.prepare('SELECT codename FROM missions WHERE id = ?').pluck().get(id)) as string;
    return { sid, id, codename, env, missionEnv: { CLAUDECODE: '1', CLAUDE_CODE_CHILD_SESSION: '1', SORTIE_MISSION: String(id) } };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Points the repo's config at a preset (the hooks read it at every run). */
export function usePreset(repo: TempRepo, preset: string): void {
  writeFileSync(join(repo.dir, '.sortierc.json'), `${JSON.stringify({ extends: preset }, null, 2)}\n`);
}

export function query<T = any>(repo: TempRepo, sql: string, ...params: unknown[]): T[] {
  return inspect(dbOf(repo), (d) => d.prepare(sql).all(...params)) as T[];
}

/** An editor script for GIT_EDITOR that puts `lines` on top of the file git prepared. */
export function editorScript(dir: string, lines: string[]): string {
  const file = join(dir, `editor-${++n}.sh`);
  const text = lines.map((l) => l.replace(/'/g, `'\\''`)).join('\\n');
  writeFileSync(file, `#!/bin/sh\nf="$1"\n{ printf '${text}\\n'; cat "$f"; } > "$f.new" && mv "$f.new" "$f"\n`);
  chmodSync(file, 0o755);
  return file;
}

/**
 * The commits table row(s) of `sha`. post-commit only queues the commit (missions/commits.ts); any
 * sortie process that opens the database records the queue, so one is run first.
 */
export function recorded(repo: TempRepo, sha: string, cols = 'mission_id, tasks'): any[] {
  const r = repo.sortie(['status', '--json']);
  if (r.code !== 0) throw new Error(`sortie status failed: ${r.stderr}`);
  return query(repo, `SELECT ${cols} FROM commits WHERE sha = ?`, sha);
}
