// `sortie ready` and `sortie next [--claim]`: what can be started, and a pick-and-claim that
// concurrent callers cannot both win.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inspect } from '../helpers/db.js';
import { agentMissions } from '../helpers/missions.js';
import { ROOT, dbOf, makeRepo, runAsync, taskFile, type TempRepo } from '../helpers/repo.js';

const WORKER = join(ROOT, 'test', 'helpers', 'claim-worker.mjs');
const BARRIER_MS = 3000;

async function atOnce(repo: TempRepo, runs: { args: string[]; env?: Record<string, string> }[]) {
  const startAt = Date.now() + BARRIER_MS;
  const results = await Promise.all(
    runs.map((r) => runAsync(process.execPath, [WORKER, String(startAt), repo.dir, ...r.args], { cwd: repo.dir, env: { ...repo.env, ...r.env } })),
  );
  return results.map((r) => {
    expect(r.code, r.stderr).toBe(0);
    return r.json<{ code: number; stdout: string; stderr: string }>();
  });
}

describe('sortie ready / next', () => {
  const repo = makeRepo({ name: 'ready' });
  afterAll(() => repo.cleanup());
  const write = (id: string, fields: Record<string, string>) => repo.write(`.sortie/tasks/${id}.md`, taskFile(id, { title: `Task ${id}`, ...fields }));

  it('lists ready tasks by priority with dependencies met, then waiting ones with their handoff', () => {
    write('TASK-1', { status: 'TODO', priority: 'low' });
    write('TASK-2', { status: 'TODO', priority: 'critical', depends_on: '[TASK-3]' }); // TASK-3 not done: not ready
    write('TASK-3', { status: 'TODO', priority: 'medium' });
    write('TASK-4', { status: 'COMPLETE', priority: 'high' });
    write('TASK-5', { status: 'TODO', priority: 'high', depends_on: '[TASK-4]' }); // done dependency: ready
    write('TASK-6', { status: 'BLOCKED', priority: 'critical' });
    expect(repo.sortie(['next', '--json']).json()).toMatchObject({ task: { id: 'TASK-5' }, kind: 'ready', claimed: false });

    // A mission takes TASK-3 and hands it off with a note: it is waiting for pickup.
    const [m] = agentMissions(dbOf(repo), 1, { sessionPrefix: 'ready' });
    const env = { SORTIE_MISSION: String(m!.id) };
    expect(repo.sortie(['task', 'claim', 'TASK-3'], { env }).code).toBe(0);
    expect(repo.sortie(['task', 'handoff', 'TASK-3', '--note', 'parser done; <b>tests</b> left'], { env }).code).toBe(0);

    const r = repo.sortie(['ready', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = r.json();
    expect(j.ready.map((t: { id: string }) => t.id)).toEqual(['TASK-5', 'TASK-1']);
    expect(j.readyTotal).toBe(2);
    expect(j.waiting).toEqual([
      expect.objectContaining({ id: 'TASK-3', status: 'UNDERWAY', handoff: expect.objectContaining({ note: 'parser done; <b>tests</b> left', from: m!.codename }) }),
    ]);
    const text = repo.sortie(['ready']).stdout;
    expect(text).toMatch(/Ready[\s\S]*TASK-5[\s\S]*TASK-1[\s\S]*Waiting for pickup[\s\S]*TASK-3[\s\S]*parser done; <b>tests<\/b> left/);
    expect(text).not.toContain('TASK-2');
    expect(repo.sortie(['ready', '--limit', '1', '--json']).json().ready).toHaveLength(1);
    expect(repo.sortie(['ready', '--limit', '0']).code).toBe(2);
  });

  it('next prefers a waiting task over a ready one of the same priority, and --claim takes it', () => {
    write('TASK-7', { status: 'TODO', priority: 'medium' });
    // TASK-5 (high, ready) beats TASK-3 (medium, waiting).
    const first = repo.sortie(['next', '--claim', '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.json()).toMatchObject({ task: { id: 'TASK-5', status: 'UNDERWAY' }, kind: 'ready', claimed: true });
    // Medium: TASK-3 is waiting, TASK-7 is ready: the waiting one first, with its handoff.
    const second = repo.sortie(['next', '--claim', '--json']).json();
    expect(second).toMatchObject({ task: { id: 'TASK-3' }, kind: 'waiting', claimed: true, handoff: { note: 'parser done; <b>tests</b> left' } });
    const third = repo.sortie(['next', '--claim']);
    expect(third.stdout).toContain('claimed TASK-7');
    expect(repo.sortie(['next', '--claim']).stdout).toContain('claimed TASK-1');
    const none = repo.sortie(['next', '--claim', '--json']);
    expect(none.code).toBe(1);
    expect(none.json().error.code).toBe('NOTHING_READY');
    const plain = repo.sortie(['next']);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain('nothing ready');
    inspect(dbOf(repo), (d) => {
      expect(d.prepare('SELECT task_id FROM claims WHERE released_at IS NULL ORDER BY task_id').pluck().all()).toEqual(['TASK-1', 'TASK-3', 'TASK-5', 'TASK-7']);
    });
  });
});

describe('16 processes run `sortie next --claim` at once', () => {
  it('on 20 ready tasks: 16 different tasks, each claimed once', async () => {
    const repo = makeRepo({ name: 'next16' });
    try {
      for (let i = 1; i <= 20; i++) repo.write(`.sortie/tasks/TASK-${i}.md`, taskFile(`TASK-${i}`, { title: `Task ${i}`, status: 'TODO', priority: i % 2 ? 'high' : 'low' }));
      expect(repo.sortie(['status']).code).toBe(0);
      const missions = agentMissions(dbOf(repo), 16);
      const out = await atOnce(
        repo,
        missions.map((m) => ({ args: ['next', '--claim', '--json'], env: { SORTIE_MISSION: String(m.id) } })),
      );
      for (const o of out) {
        expect(o.code, o.stdout + o.stderr).toBe(0);
        expect(o.stdout + o.stderr).not.toMatch(/SQLITE_BUSY|DB_BUSY|locked|internal error/);
      }
      const picks = out.map((o, i) => ({ task: JSON.parse(o.stdout).task.id as string, mission: JSON.parse(o.stdout).mission.id as number, expected: missions[i]!.id }));
      expect(new Set(picks.map((p) => p.task)).size).toBe(16);
      for (const p of picks) expect(p.mission).toBe(p.expected);
      // Best first: the 10 high-priority tasks all went before any low one.
      expect(picks.filter((p) => Number(p.task.slice(5)) % 2 === 1)).toHaveLength(10);
      inspect(dbOf(repo), (d) => {
        expect(d.pragma('integrity_check', { simple: true })).toBe('ok');
        const claims = d.prepare('SELECT task_id, mission_id FROM claims ORDER BY task_id').all() as { task_id: string; mission_id: number }[];
        expect(claims).toHaveLength(16);
        expect(new Set(claims.map((c) => c.task_id)).size).toBe(16);
        expect(d.prepare("SELECT COUNT(*) FROM activity WHERE kind = 'task.claimed'").pluck().get()).toBe(16);
      });
      for (const p of picks) expect(repo.read(`.sortie/tasks/${p.task}.md`)).toContain('status: UNDERWAY');
    } finally {
      repo.cleanup();
    }
  });

  it('on 5 ready tasks: 5 claim one each, 11 are told "nothing ready" (exit 1, NOTHING_READY)', async () => {
    const repo = makeRepo({ name: 'next16few' });
    try {
      for (let i = 1; i <= 5; i++) repo.write(`.sortie/tasks/TASK-${i}.md`, taskFile(`TASK-${i}`, { title: `Task ${i}`, status: 'TODO', priority: 'medium' }));
      expect(repo.sortie(['status']).code).toBe(0);
      const missions = agentMissions(dbOf(repo), 16);
      const out = await atOnce(
        repo,
        missions.map((m) => ({ args: ['next', '--claim', '--json'], env: { SORTIE_MISSION: String(m.id) } })),
      );
      const won = out.filter((o) => o.code === 0).map((o) => JSON.parse(o.stdout).task.id as string);
      expect(won.sort()).toEqual(['TASK-1', 'TASK-2', 'TASK-3', 'TASK-4', 'TASK-5']);
      const lost = out.filter((o) => o.code !== 0);
      expect(lost).toHaveLength(11);
      for (const o of lost) {
        expect(o.code).toBe(1);
        expect(JSON.parse(o.stdout).error).toMatchObject({ code: 'NOTHING_READY', message: expect.stringContaining('nothing ready') });
      }
      inspect(dbOf(repo), (d) => expect(d.prepare('SELECT COUNT(*) FROM claims').pluck().get()).toBe(5));
    } finally {
      repo.cleanup();
    }
  });
});
