/**
 * A repository set up for a real agent run with sortie, as a user would set it up: a real git
 * repository, `sortie init --agent <name>` (git hooks included, and the trust step when asked)
 * with the agent's HOME, two tasks committed, and readers of sortie's state that first catch up
 * with what the hooks queued, as every sortie reader does.
 */
import { join } from 'node:path';
import { expect } from 'vitest';
import { inspect } from '../db.js';
import { catchUp, dbOf, makeRepo, type TempRepo } from '../repo.js';

export interface MissionRow {
  id: number;
  codename: string;
  agent: string;
  session_id: string | null;
  pid: number | null;
  ended_at: string | null;
  end_reason: string | null;
  summary: string | null;
  checkpoint: string | null;
}

export interface SortieRepo {
  repo: TempRepo;
  db: string;
  /** The machine-local `sortie` shim SessionStart writes (what the context names where `sortie` is not on PATH). */
  shim: string;
  /** What init printed. */
  init: string;
  missions(): MissionRow[];
  claims(task: string): { mission_id: number; released_at: string | null; release_reason: string | null }[];
  commits(): { sha: string; mission_id: number | null; subject: string; tasks: string }[];
  activity(kind: string): { mission_id: number | null; task_id: string | null; detail: string | null }[];
}

export function sortieRepo(name: string, agent: string, env: Record<string, string>, o: { trust?: boolean } = {}): SortieRepo {
  const repo = makeRepo({ name });
  const init = repo.sortie(['init', '--agent', agent, ...(o.trust ? ['--trust'] : [])], { env });
  expect(init.code, init.stderr).toBe(0);
  for (const title of ['Login form', 'Session cookie']) expect(repo.sortie(['task', 'new', title, '-p', 'high']).code).toBe(0);
  repo.git('add', '-A');
  repo.git('commit', '-q', '-m', 'set up sortie and two tasks');
  repo.write('login.txt', 'login form\n');
  repo.git('add', 'login.txt');
  repo.git('commit', '-q', '-m', 'a file to change');
  repo.write('login.txt', 'login form, now with a password field\n');
  const db = dbOf(repo);
  const read = <T>(fn: (d: any) => T): T => {
    catchUp(repo.dir, repo.env);
    return inspect(db, fn) as T;
  };
  return {
    repo,
    db,
    shim: join(repo.dir, '.git', 'sortie', 'bin', 'sortie'),
    init: init.stdout,
    missions: () => read((d) => d.prepare("SELECT * FROM missions WHERE kind = 'agent' ORDER BY id").all()),
    claims: (task) => read((d) => d.prepare('SELECT mission_id, released_at, release_reason FROM claims WHERE task_id = ? ORDER BY id').all(task)),
    commits: () => read((d) => d.prepare('SELECT sha, mission_id, subject, tasks FROM commits ORDER BY at').all()),
    activity: (kind) => read((d) => d.prepare('SELECT mission_id, task_id, detail FROM activity WHERE kind = ? ORDER BY id').all(kind)),
  };
}
