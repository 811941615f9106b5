// One scenario: missions, the activity log and the dashboard through the CLI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { inspect } from '../helpers/db.js';
import { agentMissions } from '../helpers/missions.js';
import { dbOf, makeRepo } from '../helpers/repo.js';

const repo = makeRepo({ name: 'cli-missions' });
afterAll(() => repo.cleanup());
const db = () => dbOf(repo);
const ids = (rows: { id: number }[]) => rows.map((r) => r.id);

describe('sortie mission / log / status', () => {
  let a: { id: number; codename: string };
  let b: { id: number; codename: string };

  // The scenario's cast: two agent missions (one gemini) and a person, each holding a task. The
  // tests below are its steps, in order.
  beforeAll(() => {
    for (const t of ['Alpha', 'Beta', 'Gamma']) expect(repo.sortie(['task', 'new', t]).code).toBe(0);
    [a] = agentMissions(db(), 1, { sessionPrefix: 'claude' }) as [typeof a];
    [b] = agentMissions(db(), 1, { agent: 'gemini-cli', sessionPrefix: 'gemini' }) as [typeof b];
    // Identity through the agent's own session variable.
    expect(repo.sortie(['task', 'claim', 'TASK-1'], { env: { CLAUDE_CODE_SESSION_ID: 'claude-1' } }).code).toBe(0);
    expect(repo.sortie(['task', 'claim', 'TASK-2'], { env: { SORTIE_MISSION: String(b.id) } }).code).toBe(0);
    expect(repo.sortie(['task', 'claim', 'TASK-3']).code).toBe(0); // the person
  });

  it('mission list: live missions with what they hold; --json; --all', () => {
    const j = repo.sortie(['mission', 'list', '--json']);
    expect(j.code).toBe(0);
    const ms = j.json().missions as { id: number; kind: string; agent: string; person: string | null; claims: { task: string }[] }[];
    expect(ms.map((m) => [m.kind, m.agent, m.claims.map((c) => c.task)])).toEqual([
      ['person', 'human', ['TASK-3']], // created first, by `task new`
      ['agent', 'claude-code', ['TASK-1']],
      ['agent', 'gemini-cli', ['TASK-2']],
    ]);
    expect(ms[0]!.person).toBe('person@example.com');
    const text = repo.sortie(['mission', 'list']).stdout;
    expect(text).toContain(a.codename);
    expect(text).toMatch(new RegExp(`${b.codename}\\s+gemini-cli.*live\\s+TASK-2`));
  });

  it('mission show: by id, by codename, yours by default; unknown is exit 3', () => {
    const byId = repo.sortie(['mission', 'show', String(a.id), '--json']).json().mission;
    expect(byId).toMatchObject({ id: a.id, codename: a.codename, agent: 'claude-code', endedAt: null, claims: [{ task: 'TASK-1' }] });
    expect(repo.sortie(['mission', 'show', b.codename, '--json']).json().mission.id).toBe(b.id);
    expect(repo.sortie(['mission', 'show', '--json'], { env: { SORTIE_MISSION: String(b.id) } }).json().mission.id).toBe(b.id);
    expect(repo.sortie(['mission', 'show', '--json']).json().mission.kind).toBe('person');
    const missing = repo.sortie(['mission', 'show', 'no-such-thing', '--json']);
    expect(missing.code).toBe(3);
    expect(missing.json().error.code).toBe('MISSION_NOT_FOUND');
    expect(repo.sortie(['mission', 'show', String(a.id)]).stdout).toContain('holds: TASK-1');
  });

  it('mission note: saves (and appends to) the handoff of the acting mission', () => {
    const env = { env: { SORTIE_MISSION: String(a.id) } };
    expect(repo.sortie(['mission', 'note', 'did', 'the', 'parser'], env).code).toBe(0);
    const r = repo.sortie(['mission', 'note', 'next: tests', '--append', '--json'], env);
    expect(r.json()).toEqual({ mission: a.id, handoff: 'did the parser\nnext: tests' });
    expect(inspect(db(), (d) => d.prepare('SELECT handoff FROM missions WHERE id = ?').pluck().get(a.id))).toBe('did the parser\nnext: tests');
    expect(repo.sortie(['mission', 'note', '  '], env).code).toBe(2);
  });

  it('mission end: closes it, releases its claims, the task waits for pickup', () => {
    const r = repo.sortie(['mission', 'end', String(a.id), '--reason', 'done-for-today', '--json']);
    expect(r.code).toBe(0);
    expect(r.json()).toEqual({ mission: a.id, ended: true, released: ['TASK-1'] });
    const row = inspect(db(), (d) => d.prepare('SELECT ended_at, end_reason, handoff FROM missions WHERE id = ?').get(a.id)) as Record<string, string>;
    expect(row.end_reason).toBe('done-for-today');
    expect(row.ended_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(row.handoff).toBe('did the parser\nnext: tests');
    expect(inspect(db(), (d) => d.prepare("SELECT COUNT(*) FROM claims WHERE task_id = 'TASK-1' AND released_at IS NULL").pluck().get())).toBe(0);
    expect(repo.read('.sortie/tasks/TASK-1-alpha.md')).toContain('status: UNDERWAY');
    // Ending twice is harmless.
    expect(repo.sortie(['mission', 'end', String(a.id), '--json']).json()).toMatchObject({ ended: false });
    // An ended agent mission cannot act any more (its process is unknown, so it is not reopened).
    const late = repo.sortie(['task', 'claim', 'TASK-1', '--json'], { env: { SORTIE_MISSION: String(a.id) } });
    expect(late.code).toBe(1);
    expect(late.json().error.code).toBe('MISSION_ENDED');
    expect(ids(repo.sortie(['mission', 'list', '--json']).json().missions)).not.toContain(a.id);
    expect(ids(repo.sortie(['mission', 'list', '--all', '--json']).json().missions)).toContain(a.id);
  });

  it('mission reap: nothing to reap here, exit 0', () => {
    const r = repo.sortie(['mission', 'reap', '--json']);
    expect(r.code).toBe(0);
    expect(r.json()).toEqual({ reaped: [] });
    expect(repo.sortie(['mission', 'reap']).stdout).toBe('no dead or silent missions\n');
  });

  it('status: live missions, waiting tasks, ready tasks, counts', () => {
    const s = repo.sortie(['status', '--json']);
    expect(s.code).toBe(0);
    const j = s.json();
    expect(j.missions.map((m: { id: number; holds: { task: string }[] }) => [m.id, m.holds.map((h) => h.task)])).toEqual([
      [1, ['TASK-3']],
      [b.id, ['TASK-2']],
    ]);
    expect(j.waiting).toEqual([{ id: 'TASK-1', title: 'Alpha', priority: 'medium' }]);
    expect(j.ready).toEqual([]);
    expect(j.counts).toEqual({ UNDERWAY: 3 });
    expect(j.problems).toEqual([]);
    const text = repo.sortie(['status']).stdout;
    expect(text).toMatch(/Waiting for pickup.*\n\s+TASK-1\s+Alpha/);
  });

  it('log: everything, then --since (duration and date), --mission, --agent, --task', () => {
    // Move the set-up events three days back, so --since has something to leave out.
    const old = new Date(Date.now() - 3 * 86_400_000).toISOString();
    const w = new Database(db());
    w.prepare("UPDATE activity SET at = ? WHERE kind IN ('task.created', 'mission.started')").run(old);
    w.close();
    const all = repo.sortie(['log', '--json']).json().activity as { kind: string; task_id: string | null; mission_id: number | null; agent: string | null; at: string }[];
    const total = inspect(db(), (d) => d.prepare('SELECT COUNT(*) FROM activity').pluck().get());
    expect(all).toHaveLength(total as number);
    expect(all.slice(0, 3).map((x) => x.kind)).toEqual(['mission.started', 'task.created', 'task.created']);

    const recent = repo.sortie(['log', '--since', '1d', '--json']).json();
    expect(recent.activity.some((x: { kind: string }) => x.kind === 'task.created' || x.kind === 'mission.started')).toBe(false);
    expect(recent.activity.length).toBe(all.filter((x) => x.at > old).length);
    const byDate = repo.sortie(['log', '--since', old.slice(0, 10), '--json']).json();
    expect(byDate.activity).toHaveLength(all.length);
    expect(repo.sortie(['log', '--since', 'whenever']).code).toBe(2);

    const mine = repo.sortie(['log', '--mission', a.codename, '--json']).json().activity as typeof all;
    expect(new Set(mine.map((x) => x.mission_id))).toEqual(new Set([a.id]));
    expect(mine.map((x) => x.kind)).toEqual(['mission.started', 'task.claimed', 'mission.note', 'mission.note', 'mission.ended', 'task.released']);
    expect(repo.sortie(['log', '--mission', String(a.id), '--json']).json().activity).toEqual(mine);
    expect(repo.sortie(['log', '--mission', 'nobody-here']).code).toBe(3);

    const gem = repo.sortie(['log', '--agent', 'gemini-cli', '--json']).json().activity as typeof all;
    expect(gem.map((x) => [x.kind, x.task_id])).toEqual([
      ['mission.started', null],
      ['task.claimed', 'TASK-2'],
    ]);
    const t1 = repo.sortie(['log', '--task', 'TASK-1', '--since', '1d', '--json']).json().activity as typeof all;
    expect(t1.map((x) => x.kind)).toEqual(['task.claimed', 'task.released']);
    expect(repo.sortie(['log', '--limit', '2', '--json']).json().activity).toEqual(all.slice(-2));
    expect(repo.sortie(['log', '--limit', '0']).code).toBe(2);
    expect(repo.sortie(['log', '--since', '1d']).stdout).toMatch(/task\.claimed\s+TASK-1\s+\S+ \(claude-code\)/);
  });
});
