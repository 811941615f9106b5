// One scenario: a status change killed between its file write and its database write is repaired
// by the next sortie process, and doctor reports and repairs drift. A real `sortie task done` (or
// claim, or release) is SIGKILLed exactly at each dangerous point, through the test-only seam
// SORTIE_TEST_SEAM (src/seam.ts): it stops there and says so, and the test kills it.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../helpers/guard.js';
import { BIN, dbOf, makeRepo, type TempRepo } from '../helpers/repo.js';
import { agentMissions } from '../helpers/missions.js';

let repo: TempRepo;
let mission: number;

/** Runs `sortie <args>` until it reaches the seam, then SIGKILLs it. */
function killAt(seam: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd: repo.dir, env: { ...repo.env, SORTIE_MISSION: String(mission), SORTIE_TEST_SEAM: seam } });
    let err = '';
    p.stderr.on('data', (d: Buffer) => {
      err += d;
      if (err.includes(`sortie seam ${seam}`)) p.kill('SIGKILL');
    });
    p.on('close', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`${args.join(' ')} ended by itself (${code}) before ${seam}: ${err}`))));
  });
}

const fileStatus = (id: string) => /^status: (\w+)$/m.exec(readFileSync(taskPath(id), 'utf8'))?.[1];
const taskPath = (id: string) => join(repo.dir, '.sortie', 'tasks', readdirSync(join(repo.dir, '.sortie', 'tasks')).find((f) => f.startsWith(`${id}-`))!);
const liveHolder = (id: string) => query(repo, 'SELECT mission_id FROM claims WHERE task_id = ? AND released_at IS NULL', id)[0]?.mission_id as number | undefined;
const intents = () => (existsSync(join(repo.dir, '.git', 'sortie', 'intents')) ? readdirSync(join(repo.dir, '.git', 'sortie', 'intents')) : []);
const as = (args: string[]) => repo.sortie(args, { env: { SORTIE_MISSION: String(mission) } });

beforeAll(() => {
  repo = makeRepo({ name: 'crash-repair' });
  expect(repo.sortie(['init', '--no-git']).code).toBe(0);
  for (const t of ['One', 'Two', 'Three', 'Four']) expect(repo.sortie(['task', 'new', t]).code).toBe(0);
  [{ id: mission }] = agentMissions(dbOf(repo), 1, { pid: process.pid, sessionPrefix: 'crash' });
  for (const id of ['TASK-1', 'TASK-2', 'TASK-3']) expect(as(['task', 'claim', id]).code).toBe(0);
});
afterAll(() => repo?.cleanup());

describe('kill -9 during `task done`', () => {
  it('after the file is written, before the database: the file says COMPLETE with the claim live, until the next process puts it back', async () => {
    await killAt('task-file-written', ['task', 'done', 'TASK-1']);
    // The dangerous state, as the kill left it.
    expect(fileStatus('TASK-1')).toBe('COMPLETE');
    expect(liveHolder('TASK-1')).toBe(mission);
    expect(intents()).toEqual(['TASK-1']);
    // Any next sortie process settles it first: exactly as before the interrupted command.
    const list = repo.sortie(['task', 'list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.json().tasks.find((t: { id: string }) => t.id === 'TASK-1')).toMatchObject({ status: 'UNDERWAY', holder: { mission } });
    expect(fileStatus('TASK-1')).toBe('UNDERWAY');
    expect(intents()).toEqual([]);
    expect(query(repo, "SELECT task_id, json_extract(detail, '$.outcome') AS outcome FROM activity WHERE kind = 'task.repaired'")).toEqual([{ task_id: 'TASK-1', outcome: 'rolled-back' }]);
    expect(query(repo, "SELECT COUNT(*) AS n FROM activity WHERE kind = 'task.status' AND task_id = 'TASK-1'")[0].n).toBe(0);
    // The command run again does it.
    expect(as(['task', 'done', 'TASK-1']).code).toBe(0);
    expect(fileStatus('TASK-1')).toBe('COMPLETE');
    expect(liveHolder('TASK-1')).toBeUndefined();
  });

  it('after the commit, before the intent is cleared: done, and stays done', async () => {
    await killAt('task-committed', ['task', 'done', 'TASK-2']);
    expect(fileStatus('TASK-2')).toBe('COMPLETE');
    expect(liveHolder('TASK-2')).toBeUndefined();
    expect(intents()).toEqual(['TASK-2']);
    expect(repo.sortie(['status']).code).toBe(0);
    expect(fileStatus('TASK-2')).toBe('COMPLETE');
    expect(intents()).toEqual([]);
  });

  it('before the file is written: nothing happened', async () => {
    await killAt('intent-recorded', ['task', 'done', 'TASK-3']);
    expect(fileStatus('TASK-3')).toBe('UNDERWAY');
    expect(repo.sortie(['status']).code).toBe(0);
    expect(fileStatus('TASK-3')).toBe('UNDERWAY');
    expect(liveHolder('TASK-3')).toBe(mission);
    expect(intents()).toEqual([]);
  });

  it('kill -9 during a claim after its file write leaves nothing claimed: the file goes back to TODO', async () => {
    await killAt('task-file-written', ['task', 'claim', 'TASK-4']);
    expect(fileStatus('TASK-4')).toBe('UNDERWAY');
    expect(liveHolder('TASK-4')).toBeUndefined();
    expect(repo.sortie(['status']).code).toBe(0);
    expect(fileStatus('TASK-4')).toBe('TODO');
  });
});

describe('doctor', () => {
  it('is all good, with exit 0, once repaired', () => {
    const d = repo.sortie(['doctor', '--json']);
    const problems = d.json().findings.filter((f: { level: string; check: string }) => (f.level === 'warn' || f.level === 'error') && !['claude hooks', 'git hooks', 'config'].includes(f.check));
    expect(problems).toEqual([]);
  });

  it('reports drift it did not make and repairs what has one repair; exits 1', () => {
    // A hand edit: TASK-3 (held) set COMPLETE in its file; and a dependency cycle.
    const p = taskPath('TASK-3');
    writeFileSync(p, readFileSync(p, 'utf8').replace('status: UNDERWAY', 'status: COMPLETE'));
    const p4 = taskPath('TASK-4');
    writeFileSync(p4, readFileSync(p4, 'utf8').replace('status: TODO', 'status: TODO\ndepends_on: [TASK-4]'));
    const d = repo.sortie(['doctor']);
    expect(d.code).toBe(1);
    expect(d.stdout).toContain('TASK-3 is COMPLETE but was still held by');
    expect(d.stdout).toContain('its claim is released now');
    expect(d.stdout).toContain('a dependency cycle: TASK-4 -> TASK-4');
    expect(liveHolder('TASK-3')).toBeUndefined();
    // Repaired: the claim finding is gone; the cycle is the person's to fix.
    const again = repo.sortie(['doctor']);
    expect(again.stdout).not.toContain('TASK-3 is COMPLETE');
    expect(again.code).toBe(1);
  });
});
