// Reaping: dead agent processes and silent agents are closed as abandoned; people never are.
import { spawn, type ChildProcess } from 'node:child_process';
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { inspect } from '../helpers/db.js';
import { agentMissions } from '../helpers/missions.js';
import { ROOT, dbOf, makeRepo, type TempRepo } from '../helpers/repo.js';

const ALIVE = join(ROOT, 'test', 'helpers', 'alive.mjs');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function startAgentProcess(): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [ALIVE], { stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(c);
    c.on('error', reject);
    c.stdout!.once('data', () => resolve(c));
  });
}

function kill(c: ChildProcess): Promise<void> {
  // Wait for 'exit': node reaps the child then, so its pid is really gone (no zombie).
  return new Promise((resolve) => {
    c.once('exit', () => resolve());
    c.kill('SIGKILL');
  });
}

function setLastSeen(repo: TempRepo, id: number, at: string): void {
  const db = new Database(dbOf(repo));
  db.prepare('UPDATE missions SET last_seen_at = ?, started_at = MIN(started_at, ?) WHERE id = ?').run(at, at, id);
  db.close();
}

const mission = (repo: TempRepo, id: number) =>
  inspect(dbOf(repo), (d) => d.prepare('SELECT ended_at, end_reason FROM missions WHERE id = ?').get(id)) as { ended_at: string | null; end_reason: string | null };
const liveClaims = (repo: TempRepo) => inspect(dbOf(repo), (d) => d.prepare('SELECT task_id, mission_id FROM claims WHERE released_at IS NULL ORDER BY task_id').all());

describe('an agent whose process died', () => {
  const repo = makeRepo({ name: 'reap-dead' });
  afterAll(() => repo.cleanup());

  it('is reaped by `sortie mission reap`: abandoned at its last sign of life, claims released, task waiting', async () => {
    expect(repo.sortie(['task', 'new', 'Half done']).code).toBe(0);
    const child = await startAgentProcess();
    const [agent] = agentMissions(dbOf(repo), 1, { pid: child.pid! });
    expect(repo.sortie(['task', 'claim', 'TASK-1'], { env: { SORTIE_MISSION: String(agent!.id) } }).code).toBe(0);
    const lastSign = new Date(Date.now() - 7 * 60_000).toISOString();
    setLastSeen(repo, agent!.id, lastSign);

    // Alive: nothing to reap.
    expect(repo.sortie(['mission', 'reap', '--json']).json()).toEqual({ reaped: [] });
    await kill(child);

    const r = repo.sortie(['mission', 'reap', '--json']);
    expect(r.code).toBe(0);
    expect(r.json().reaped).toEqual([{ mission: agent!.id, codename: agent!.codename, agent: 'claude-code', reason: 'process-gone', endedAt: lastSign, released: ['TASK-1'] }]);
    expect(mission(repo, agent!.id)).toEqual({ ended_at: lastSign, end_reason: 'abandoned' });
    expect(liveClaims(repo)).toEqual([]);
    expect(inspect(dbOf(repo), (d) => d.prepare('SELECT released_at, release_reason FROM claims').get())).toEqual({ released_at: lastSign, release_reason: 'reaped' });
    expect(inspect(dbOf(repo), (d) => d.prepare("SELECT COUNT(*) FROM activity WHERE kind = 'mission.reaped' AND mission_id = ?").pluck().get(agent!.id))).toBe(1);
    expect(repo.read('.sortie/tasks/TASK-1-half-done.md')).toContain('status: UNDERWAY');

    const s = repo.sortie(['status', '--json']).json();
    expect(s.waiting).toMatchObject([{ id: 'TASK-1', title: 'Half done', priority: 'medium', holder: null }]);
    expect(s.missions.map((m: { id: number }) => m.id)).not.toContain(agent!.id);
    // Reaping twice changes nothing.
    expect(repo.sortie(['mission', 'reap', '--json']).json()).toEqual({ reaped: [] });
  });

  it('is reaped on the way by another mission claiming its task, which then wins', async () => {
    expect(repo.sortie(['task', 'new', 'Second']).code).toBe(0);
    const child = await startAgentProcess();
    const [dead] = agentMissions(dbOf(repo), 1, { pid: child.pid!, sessionPrefix: 'dead' });
    const [next] = agentMissions(dbOf(repo), 1, { sessionPrefix: 'next' });
    expect(repo.sortie(['task', 'claim', 'TASK-2'], { env: { SORTIE_MISSION: String(dead!.id) } }).code).toBe(0);
    const held = repo.sortie(['task', 'claim', 'TASK-2', '--json'], { env: { SORTIE_MISSION: String(next!.id) } });
    expect(held.code).toBe(1);
    expect(held.json().error.holder.codename).toBe(dead!.codename);

    await kill(child);
    const r = repo.sortie(['task', 'claim', 'TASK-2', '--json'], { env: { SORTIE_MISSION: String(next!.id) } });
    expect(r.code).toBe(0);
    expect(r.json().task.holder.mission).toBe(next!.id);
    expect(mission(repo, dead!.id).end_reason).toBe('abandoned');
    expect(liveClaims(repo)).toEqual([{ task_id: 'TASK-2', mission_id: next!.id }]);
  });
});

describe('silence', () => {
  const repo = makeRepo({ name: 'reap-silent' });
  afterAll(() => repo.cleanup());

  it("a person's mission is never reaped, even silent for days", () => {
    repo.write('.sortierc.json', JSON.stringify({ extends: 'recommended', missions: { staleAfter: '30m' } }));
    expect(repo.sortie(['task', 'new', 'Mine']).code).toBe(0);
    expect(repo.sortie(['task', 'claim', 'TASK-1']).code).toBe(0);
    const person = inspect(dbOf(repo), (d) => d.prepare("SELECT id FROM missions WHERE kind = 'person'").pluck().get()) as number;
    setLastSeen(repo, person, new Date(Date.now() - 30 * 86_400_000).toISOString());
    expect(repo.sortie(['mission', 'reap', '--json']).json()).toEqual({ reaped: [] });
    expect(mission(repo, person)).toEqual({ ended_at: null, end_reason: null });
    expect(liveClaims(repo)).toEqual([{ task_id: 'TASK-1', mission_id: person }]);
  });

  it('an agent silent past missions.staleAfter is reaped; a recent one, or one still writing its transcript, is not', async () => {
    expect(repo.sortie(['task', 'new', 'Quiet']).code).toBe(0);
    const alive = await startAgentProcess(); // its process lives on: only silence can reap it
    const [silent] = agentMissions(dbOf(repo), 1, { pid: alive.pid!, sessionPrefix: 'silent' });
    const [recent] = agentMissions(dbOf(repo), 1, { sessionPrefix: 'recent' });
    const [writing] = agentMissions(dbOf(repo), 1, { sessionPrefix: 'writing' });
    expect(repo.sortie(['task', 'claim', 'TASK-2'], { env: { SORTIE_MISSION: String(silent!.id) } }).code).toBe(0);
    const longAgo = new Date(Date.now() - 45 * 60_000).toISOString();
    setLastSeen(repo, silent!.id, longAgo);
    setLastSeen(repo, recent!.id, new Date(Date.now() - 10 * 60_000).toISOString());
    setLastSeen(repo, writing!.id, longAgo);
    const transcript = join(repo.dir, '.git', 'transcript.jsonl');
    writeFileSync(transcript, '{}\n');
    const fresh = new Date(Date.now() - 60_000);
    utimesSync(transcript, fresh, fresh);
    const db = new Database(dbOf(repo));
    db.prepare('UPDATE missions SET transcript_path = ? WHERE id = ?').run(transcript, writing!.id);
    db.close();

    const r = repo.sortie(['mission', 'reap', '--json']);
    expect(r.code).toBe(0);
    expect(r.json().reaped).toEqual([{ mission: silent!.id, codename: silent!.codename, agent: 'claude-code', reason: 'silent', endedAt: longAgo, released: ['TASK-2'] }]);
    expect(mission(repo, silent!.id)).toEqual({ ended_at: longAgo, end_reason: 'abandoned' });
    expect(mission(repo, recent!.id).ended_at).toBeNull();
    expect(mission(repo, writing!.id).ended_at).toBeNull();
    expect(repo.sortie(['status', '--json']).json().waiting.map((t: { id: string }) => t.id)).toEqual(['TASK-2']);
    await kill(alive);
  });
});
