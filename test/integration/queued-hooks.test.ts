/**
 * Heartbeat and SessionEnd do not open the database: they write a beat file and one queue entry
 * (.git/sortie/pending/end-*); the next sortie process applies both before reading
 * (missions/catch-up.ts, store/queue.ts). These tests hold that contract: nothing is written to the database by
 * those hooks, nothing they queued is lost or applied twice, and it is applied as of when it
 * happened.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, test } from 'vitest';
import { inspect } from '../helpers/db.js';
import { HOOK, catchUp, dbOf, makeRepo, taskFile, type TempRepo } from '../helpers/repo.js';

const repos: TempRepo[] = [];
afterEach(() => repos.splice(0).forEach((r) => r.cleanup()));

interface Mission {
  id: number;
  ended_at: string | null;
  end_reason: string | null;
  last_seen_at: string;
  summary: string | null;
}

function setup(): { repo: TempRepo; hook: (event: string, payload: Record<string, unknown>) => void; mission: (sid: string) => Mission; state: string } {
  const repo = makeRepo({ name: 'queued' });
  repos.push(repo);
  expect(repo.sortie(['init', '--no-git']).code).toBe(0);
  repo.write('.sortie/tasks/TASK-1.md', taskFile('TASK-1', { title: 'One', status: 'TODO', priority: 'high' }));
  const hook = (event: string, payload: Record<string, unknown>) => {
    const r = spawnSync(process.execPath, [HOOK, 'claude-code', event], { cwd: repo.dir, env: repo.env, input: JSON.stringify({ cwd: repo.dir, hook_event_name: event, ...payload }), encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
  };
  const mission = (sid: string) => inspect(dbOf(repo), (d) => d.prepare('SELECT * FROM missions WHERE session_id = ? ORDER BY id DESC LIMIT 1').get(sid) as Mission);
  return { repo, hook, mission, state: join(repo.dir, '.git', 'sortie') };
}

const fileState = (f: string) => (existsSync(f) ? `${statSync(f).size}:${statSync(f).mtimeMs}` : 'none');

test('a heartbeat and a SessionEnd write nothing to the database; the next reader applies them', () => {
  const { repo, hook, mission, state } = setup();
  hook('SessionStart', { session_id: 's1', source: 'startup' });
  expect(repo.sortie(['task', 'claim', 'TASK-1'], { env: { SORTIE_MISSION: String(mission('s1').id) } }).code).toBe(0);
  const seen = mission('s1').last_seen_at;
  const db = join(state, 'sortie.db');
  // Nothing reads between here and the comparison (a reader would create the WAL itself).
  const before = [fileState(db), fileState(`${db}-wal`), fileState(`${db}-shm`)];

  hook('UserPromptSubmit', { session_id: 's1', prompt: 'go' });
  hook('SessionEnd', { session_id: 's1', reason: 'prompt_input_exit' });
  expect([fileState(db), fileState(`${db}-wal`), fileState(`${db}-shm`)]).toEqual(before); // the database was not touched
  expect(readFileSync(join(state, 'beats', 's1'), 'utf8').split('\n')[0]).toBe('s1');
  const entries = () => (existsSync(join(state, 'pending')) ? readdirSync(join(state, 'pending')).filter((n) => n.startsWith('end-')) : []);
  const queued = entries().map((n) => JSON.parse(readFileSync(join(state, 'pending', n), 'utf8')) as { at: string });
  expect(queued).toHaveLength(1);
  expect(mission('s1').ended_at).toBeNull(); // not applied yet: nobody has read since

  catchUp(repo.dir, repo.env);
  const m = mission('s1');
  expect(m.end_reason).toBe('prompt_input_exit');
  expect(m.ended_at).toBe(queued[0]!.at); // as of when the session ended, not when it was applied
  expect(m.last_seen_at >= seen).toBe(true);
  expect(inspect(dbOf(repo), (d) => d.prepare('SELECT released_at FROM claims WHERE task_id = ?').pluck().get('TASK-1'))).toBe(queued[0]!.at);
  expect(entries()).toEqual([]);
  expect(existsSync(join(state, 'beats', 's1'))).toBe(false); // ended cleanly: its beat file is gone

  // Applying again changes nothing (the queue is gone, the mission is closed).
  catchUp(repo.dir, repo.env);
  expect(mission('s1')).toEqual(m);
});

test('an end queued before a resume does not close the resumed mission', () => {
  const { repo, hook, mission } = setup();
  hook('SessionStart', { session_id: 'r1', source: 'startup' });
  hook('SessionEnd', { session_id: 'r1', reason: 'other' });
  // SessionStart catches up first (closing it), then resumes it: live again.
  hook('SessionStart', { session_id: 'r1', source: 'resume' });
  expect(mission('r1').ended_at).toBeNull();
  // A stale end line from before the resume (e.g. a slow writer) is skipped.
  const stale = { type: 'end', agent: 'claude-code', session: 'r1', reason: 'other', at: '2000-01-01T00:00:00.000Z' };
  writeFileSync(join(repo.dir, '.git', 'sortie', 'pending', 'end-stale'), `${JSON.stringify(stale)}\n`);
  catchUp(repo.dir, repo.env);
  expect(mission('r1').ended_at).toBeNull();
});

test('an entry still being written waits; one that never completed is dropped; one applied twice changes nothing', () => {
  const { repo, hook, mission, state } = setup();
  hook('SessionStart', { session_id: 'a', source: 'startup' });
  hook('SessionStart', { session_id: 'b', source: 'startup' });
  const dir = join(state, 'pending');
  const at = new Date().toISOString();
  // 'a' is being written right now (no final newline yet): it must wait, not be lost or misread.
  writeFileSync(join(dir, 'end-1-a'), `{"type":"end","agent":"claude-code","session":"a","reason":"other","at":"${at}"}`);
  // A writer killed mid-write a while ago: its half line is dropped.
  writeFileSync(join(dir, 'end-0-torn'), '{"type":"end","sess');
  const old = new Date(Date.now() - 120_000);
  utimesSync(join(dir, 'end-0-torn'), old, old);
  writeFileSync(join(dir, 'end-2-b'), `{"type":"end","agent":"claude-code","session":"b","reason":"logout","at":"${at}"}\n`);
  catchUp(repo.dir, repo.env);
  expect(mission('a').ended_at).toBeNull();
  expect(mission('b').end_reason).toBe('logout');
  expect(readdirSync(dir).sort()).toEqual(['end-1-a']);
  // The writer finishes; the next reader applies it.
  writeFileSync(join(dir, 'end-1-a'), `{"type":"end","agent":"claude-code","session":"a","reason":"other","at":"${at}"}\n`);
  catchUp(repo.dir, repo.env);
  expect(mission('a').end_reason).toBe('other');
  // A reader killed after applying an entry but before deleting it leaves it behind: harmless.
  const b = mission('b');
  writeFileSync(join(dir, 'end-3-b'), `{"type":"end","agent":"claude-code","session":"b","reason":"other","at":"${new Date().toISOString()}"}\n`);
  catchUp(repo.dir, repo.env);
  expect(mission('b')).toEqual(b);
  expect(readdirSync(dir)).toEqual([]);
});

test('a heartbeat from a mission reaped for silence while its agent was only quiet reopens it', () => {
  const { repo, hook, mission } = setup();
  hook('SessionStart', { session_id: 'quiet', source: 'startup' });
  const id = mission('quiet').id;
  // Reaped two hours ago for silence.
  const db = new Database(dbOf(repo));
  const then = new Date(Date.now() - 7_200_000).toISOString();
  db.prepare("UPDATE missions SET ended_at = ?, end_reason = 'abandoned', last_seen_at = ? WHERE id = ?").run(then, then, id);
  db.close();
  hook('UserPromptSubmit', { session_id: 'quiet', prompt: 'back again' });
  catchUp(repo.dir, repo.env);
  expect(mission('quiet')).toMatchObject({ id, ended_at: null, end_reason: null });
  const resumed = inspect(dbOf(repo), (d) => d.prepare("SELECT detail FROM activity WHERE kind = 'mission.resumed' AND mission_id = ?").pluck().get(id));
  expect(JSON.parse(resumed as string)).toEqual({ reopened: true, by: 'heartbeat' });
});
