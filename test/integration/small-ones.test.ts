// The smaller holes of issue 14, each through the built CLI or hook entry: the agent's project
// directory locates the repository whatever the payload's cwd says; an id of 200 digits does not
// break later `task new`s; `task done` on a COMPLETE task says so and records nothing.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../helpers/guard.js';
import { HOOK, makeRepo, taskFile, type TempRepo } from '../helpers/repo.js';

let repo: TempRepo;
let elsewhere: string;
beforeAll(() => {
  repo = makeRepo({ name: 'small-ones' });
  expect(repo.sortie(['init', '--no-git']).code).toBe(0);
  expect(repo.sortie(['task', 'new', 'Login']).code).toBe(0);
  elsewhere = realpathSync(mkdtempSync(join(tmpdir(), 'sortie-elsewhere-')));
});
afterAll(() => {
  repo?.cleanup();
  rmSync(elsewhere, { recursive: true, force: true });
});

describe('the payload cwd', () => {
  it('does not override the project directory the agent gave: the repository is found from it, the cwd is kept as the mission\'s', () => {
    // The session has cd'd out of the project (into a folder outside any repository).
    const r = spawnSync(process.execPath, [HOOK, 'claude-code', 'SessionStart'], {
      cwd: elsewhere,
      env: { ...repo.env, CLAUDE_PROJECT_DIR: repo.dir },
      input: JSON.stringify({ session_id: 'moved', cwd: elsewhere, hook_event_name: 'SessionStart', source: 'startup' }),
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).hookSpecificOutput.additionalContext).toContain('- TASK-1 Login');
    expect(query(repo, "SELECT cwd, worktree FROM missions WHERE session_id = 'moved'")).toEqual([{ cwd: elsewhere, worktree: repo.dir }]);
  });
});

describe('an id of 200 digits', () => {
  it('is reported as a bad task file, and task new goes on numbering from the real ones', () => {
    const big = `TASK-${'9'.repeat(200)}`;
    repo.write(`.sortie/tasks/${big}-huge.md`, taskFile(big, { title: 'Huge', status: 'TODO' }));
    const sixteen = 'TASK-1234567890123456';
    repo.write(`.sortie/tasks/${sixteen}-long.md`, taskFile(sixteen, { title: 'Long', status: 'TODO' }));
    const list = repo.sortie(['task', 'list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stderr).toContain('id is longer than 64 characters');
    expect(list.stderr).toContain('has more than 15 digits');
    for (const n of [2, 3]) {
      const made = repo.sortie(['task', 'new', `Next ${n}`, '--json']);
      expect(made.code, made.stderr).toBe(0);
      expect(made.json().task.id).toBe(`TASK-${n}`);
    }
  });
});

describe('task done on a COMPLETE task', () => {
  it('says it is already COMPLETE, exits 0, and adds no history', () => {
    expect(repo.sortie(['task', 'claim', 'TASK-1']).code).toBe(0);
    expect(repo.sortie(['task', 'done', 'TASK-1']).code).toBe(0);
    const rows = () => query(repo, "SELECT COUNT(*) AS n FROM activity WHERE task_id = 'TASK-1'")[0].n as number;
    const before = rows();
    const again = repo.sortie(['task', 'done', 'TASK-1']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.trim()).toBe('TASK-1 is already COMPLETE; nothing changed');
    expect(rows()).toBe(before);
    expect(repo.sortie(['task', 'done', 'TASK-1', '--json']).json()).toMatchObject({ task: { id: 'TASK-1', status: 'COMPLETE' }, already: true, released: false });
  });
});
