import { execFileSync, spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = join(ROOT, 'bin', 'sortie.js');
export const HOOK = join(ROOT, 'dist', 'hook.cjs');

/** A clean environment: no GIT_* (git exports them into hooks), no agent or sortie variables. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined) continue;
    if (k.startsWith('GIT_') || k.startsWith('SORTIE_') || k.startsWith('CLAUDE') || k.startsWith('GEMINI_') || k.startsWith('CODEX_') || k.startsWith('COPILOT_') || k === 'HUSKY') continue;
    env[k] = v;
  }
  Object.assign(env, {
    NO_COLOR: '1',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_DATE: undefined,
  });
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  delete env.GIT_AUTHOR_DATE;
  return env;
}

export interface TempRepo {
  dir: string;
  env: Record<string, string>;
  git(...args: string[]): string;
  /** Runs the built sortie CLI; never throws. */
  sortie(args: string[], opts?: { env?: Record<string, string | undefined>; cwd?: string; input?: string }): Result;
  write(rel: string, text: string): string;
  read(rel: string): string;
  cleanup(): void;
}

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
  json<T = any>(): T;
}

export function toResult(r: SpawnSyncReturns<string>): Result {
  return {
    code: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    json<T>() {
      try {
        return JSON.parse(r.stdout) as T;
      } catch {
        throw new Error(`not JSON (exit ${r.status}):\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
      }
    },
  };
}

/**
 * A real git repository in a temp folder with a local identity, signing and gc off, and one
 * initial commit. Refuses to run anywhere near the real checkout.
 */
export function makeRepo(opts: { name?: string; initialCommit?: boolean } = {}): TempRepo {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), `sortie-${opts.name ?? 'test'}-`)));
  if (dir.startsWith(ROOT)) throw new Error(`refusing to make a test repo inside the checkout: ${dir}`);
  const env = cleanEnv({ SORTIE_TEST: '1' });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trimEnd();
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'Test Person');
  git('config', 'user.email', 'person@example.com');
  git('config', 'commit.gpgsign', 'false');
  git('config', 'gc.auto', '0');
  if (opts.initialCommit !== false) {
    writeFileSync(join(dir, 'README.md'), '# test\n');
    git('add', 'README.md');
    git('commit', '-q', '-m', 'initial');
  }
  return {
    dir,
    env,
    git,
    sortie(args, o = {}) {
      return runSortie(args, { cwd: o.cwd ?? dir, env: { ...env, ...o.env }, input: o.input });
    },
    write(rel, text) {
      const p = join(dir, rel);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, text);
      return p;
    },
    read(rel) {
      return readFileSync(join(dir, rel), 'utf8');
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function runSortie(args: string[], o: { cwd: string; env: Record<string, string | undefined>; input?: string | undefined }): Result {
  const env = Object.fromEntries(Object.entries(o.env).filter(([, v]) => v !== undefined)) as Record<string, string>;
  return toResult(spawnSync(process.execPath, [BIN, ...args], { cwd: o.cwd, env, encoding: 'utf8', input: o.input ?? '' }));
}

/** Runs a command and resolves with its result; for many processes at once. */
export function runAsync(cmd: string, args: string[], o: { cwd: string; env: Record<string, string>; input?: string }): Promise<Result> {
  return new Promise((res) => {
    const p = spawn(cmd, args, { cwd: o.cwd, env: o.env });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    if (o.input !== undefined) p.stdin.end(o.input);
    else p.stdin.end();
    p.on('close', (code) => res(toResult({ status: code, stdout, stderr } as SpawnSyncReturns<string>)));
  });
}

export function taskFile(id: string, fields: Record<string, string>, body = ''): string {
  const lines = ['---', `id: ${id}`, ...Object.entries(fields).map(([k, v]) => `${k}: ${v}`), '---', '', body, ''];
  return lines.join('\n');
}

/** The database path of a repo made by makeRepo. */
export function dbOf(repo: TempRepo): string {
  return join(repo.dir, '.git', 'sortie', 'sortie.db');
}

/**
 * Heartbeats, SessionEnd and post-commit queue their effects for the next sortie process to apply
 * (missions/catch-up.ts); every sortie reader catches up before it reads. Tests that read the
 * database directly do the same first, through a real sortie command.
 */
export function catchUp(dir: string, env: Record<string, string | undefined> = cleanEnv()): void {
  const r = runSortie(['mission', 'list', '--json'], { cwd: dir, env });
  if (r.code !== 0) throw new Error(`catch-up failed (exit ${r.code}): ${r.stderr}`);
}
