// Many processes at the same instant: 16 claimers of one task, 8 creators of new tasks.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inspect } from '../helpers/db.js';
import { agentMissions } from '../helpers/missions.js';
import { ROOT, dbOf, makeRepo, runAsync } from '../helpers/repo.js';

const WORKER = join(ROOT, 'test', 'helpers', 'claim-worker.mjs');
// Far enough ahead that every node process has loaded on two cores before the barrier opens.
const BARRIER_MS = 3000;

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
  lateArrival: boolean;
}

async function atOnce(repo: ReturnType<typeof makeRepo>, runs: { args: string[]; env?: Record<string, string> }[]): Promise<Outcome[]> {
  const startAt = Date.now() + BARRIER_MS;
  const results = await Promise.all(
    runs.map((r) => runAsync(process.execPath, [WORKER, String(startAt), repo.dir, ...r.args], { cwd: repo.dir, env: { ...repo.env, ...r.env } })),
  );
  return results.map((r) => {
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    return r.json<Outcome>();
  });
}

describe('16 processes claim the same task at the same instant', () => {
  const repo = makeRepo({ name: 'claim16' });
  afterAll(() => repo.cleanup());

  it('exactly one wins; every other is told the winner, with CLAIM_HELD and nothing else', async () => {
    expect(repo.sortie(['task', 'new', 'Contended']).code).toBe(0);
    const missions = agentMissions(dbOf(repo), 16);
    expect(new Set(missions.map((m) => m.id)).size).toBe(16);

    const out = await atOnce(
      repo,
      missions.map((m) => ({ args: ['task', 'claim', 'TASK-1', '--json'], env: { SORTIE_MISSION: String(m.id) } })),
    );
    const late = out.filter((o) => o.lateArrival).length;
    if (late) console.warn(`${late} of 16 workers arrived after the barrier (slow machine); the race was narrower`);

    const winners = out.map((o, i) => ({ o, m: missions[i]! })).filter(({ o }) => o.code === 0);
    expect(winners).toHaveLength(1);
    const winner = winners[0]!.m;
    expect(JSON.parse(winners[0]!.o.stdout)).toMatchObject({ task: { id: 'TASK-1', holder: { mission: winner.id, codename: winner.codename, agent: 'claude-code' } }, already: false });

    for (const [i, o] of out.entries()) {
      const all = o.stdout + o.stderr;
      expect(all).not.toMatch(/SQLITE_BUSY|DB_BUSY|database is locked|internal error/);
      if (missions[i]!.id === winner.id) continue;
      expect(o.code).toBe(1);
      const err = JSON.parse(o.stdout).error;
      expect(err.code).toBe('CLAIM_HELD');
      expect(err.message).toContain(`held by ${winner.codename}`);
      expect(err.holder).toMatchObject({ mission: winner.id, codename: winner.codename, agent: 'claude-code' });
    }

    inspect(dbOf(repo), (d) => {
      expect(d.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(d.prepare('SELECT task_id, mission_id FROM claims').all()).toEqual([{ task_id: 'TASK-1', mission_id: winner.id }]);
      expect(d.prepare("SELECT mission_id FROM activity WHERE kind = 'task.claimed'").pluck().all()).toEqual([winner.id]);
    });
    expect(repo.read('.sortie/tasks/TASK-1-contended.md')).toContain('status: UNDERWAY');
  });
});

describe('8 processes create tasks at the same instant', () => {
  const repo = makeRepo({ name: 'create8' });
  afterAll(() => repo.cleanup());

  it('get 8 distinct ids, 8 files, and a consistent index', async () => {
    expect(repo.sortie(['status']).code).toBe(0); // the database exists before the race
    const out = await atOnce(
      repo,
      Array.from({ length: 8 }, (_, i) => ({ args: ['task', 'new', `Parallel ${i + 1}`, '--json'] })),
    );
    for (const o of out) {
      expect(o.code, o.stdout + o.stderr).toBe(0);
      expect(o.stderr).toBe('');
    }
    const ids = out.map((o) => JSON.parse(o.stdout).task.id as string).sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
    expect(ids).toEqual(['TASK-1', 'TASK-2', 'TASK-3', 'TASK-4', 'TASK-5', 'TASK-6', 'TASK-7', 'TASK-8']);

    const files = readdirSync(join(repo.dir, '.sortie', 'tasks')).sort();
    expect(files).toHaveLength(8);
    expect(new Set(files.map((f) => f.split('-parallel-')[0])).size).toBe(8);
    const byTitle = Object.fromEntries(out.map((o) => [JSON.parse(o.stdout).task.title, JSON.parse(o.stdout).task.id]));
    for (const f of files) {
      const text = repo.read(`.sortie/tasks/${f}`);
      const id = /^id: (\S+)$/m.exec(text)![1]!;
      const title = /^title: (.+)$/m.exec(text)![1]!;
      expect(f.startsWith(`${id}-`)).toBe(true);
      expect(byTitle[title]).toBe(id);
    }
    inspect(dbOf(repo), (d) => {
      expect(d.pragma('integrity_check', { simple: true })).toBe('ok');
      const rows = d.prepare('SELECT id, path FROM tasks ORDER BY path').all() as { id: string; path: string }[];
      expect(rows.map((r) => r.path)).toEqual(files.map((f) => join(repo.dir, '.sortie', 'tasks', f)));
      expect(d.prepare("SELECT COUNT(*) FROM activity WHERE kind = 'task.created'").pluck().get()).toBe(8);
      // All eight were the same person: one personal mission, not eight.
      expect(d.prepare("SELECT COUNT(*) FROM missions WHERE kind = 'person'").pluck().get()).toBe(1);
    });
    const list = repo.sortie(['task', 'list', '--json']);
    expect(list.code).toBe(0);
    expect(list.stderr).toBe('');
    expect(list.json().tasks).toHaveLength(8);
  });
});
