// One scenario: untrusted patterns and documents have a cost limit. A real "billion laughs" task
// file and a real catastrophic id pattern, through the built CLI, the hook entry and real commits.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commit, query, startAgent, type Agent } from '../helpers/guard.js';
import { HOOK, makeRepo, type TempRepo } from '../helpers/repo.js';

// 15 lines: 9^8 = 43 million "lol"s once the aliases are expanded (16 s and 1.5 GB before).
const BOMB = [
  '---',
  'id: TASK-9',
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
  'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
  'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
  'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
  'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
  'g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
  'h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]',
  'title: *h',
  'status: TODO',
  '---',
  'boom',
  '',
].join('\n');

let repo: TempRepo;
let a: Agent;
beforeAll(() => {
  repo = makeRepo({ name: 'cost-limits' });
  expect(repo.sortie(['init']).code).toBe(0);
  expect(repo.sortie(['task', 'new', 'Login']).code).toBe(0);
  repo.git('add', '-A');
  repo.git('commit', '-q', '-m', 'set up sortie');
  a = startAgent(repo, 'evil-a');
});
afterAll(() => repo?.cleanup());

describe('a YAML alias bomb in a task file', () => {
  it('is refused at once, named with its path, and the other tasks are listed', () => {
    const file = repo.write('.sortie/tasks/TASK-9-bomb.md', BOMB);
    const list = repo.sortie(['task', 'list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stderr).toContain('TASK-9-bomb.md');
    expect(list.stderr).toContain('anchors and aliases (&name, *name) are not allowed');
    expect(list.stdout).toContain('TASK-1');
    expect(list.stdout).not.toContain('lol');
    // Remembered with the file's size and mtime: not parsed again until it changes.
    const st = statSync(file);
    expect(query(repo, 'SELECT size, mtime_ms FROM task_errors WHERE path = ?', file)).toEqual([{ size: st.size, mtime_ms: st.mtimeMs }]);
  });

  it('leaves SessionStart its context, with the bomb still there', () => {
    for (const sid of ['bomb-1', 'bomb-2']) {
      const r = spawnSync(process.execPath, [HOOK, 'claude-code', 'SessionStart'], {
        cwd: repo.dir,
        env: { ...repo.env, CLAUDE_PROJECT_DIR: repo.dir },
        input: JSON.stringify({ session_id: sid, cwd: repo.dir, hook_event_name: 'SessionStart', source: 'startup' }),
        encoding: 'utf8',
      });
      expect(r.status, r.stderr).toBe(0);
      const context = JSON.parse(r.stdout).hookSpecificOutput.additionalContext as string;
      expect(context).toContain('- TASK-1 Login');
      expect(context).not.toContain('lol');
    }
  });

  it('`task show` of it says what is wrong', () => {
    const show = repo.sortie(['task', 'show', 'TASK-9']);
    expect(show.code).not.toBe(0);
    expect(show.stderr).toMatch(/TASK-9|task/);
  });
});

describe('a catastrophic id pattern', () => {
  const evil = '([A-Z]+)+-[0-9]+';

  it('is refused by init, naming the key and the file, and nothing is written for it', () => {
    const before = repo.read('.git/sortie/hooks.env');
    repo.write('.sortierc.json', JSON.stringify({ extends: 'recommended', tasks: { idPattern: evil } }));
    const init = repo.sortie(['init']);
    expect(init.code).toBe(2);
    expect(init.stderr).toContain('tasks.idPattern "([A-Z]+)+-[0-9]+" is refused');
    expect(init.stderr).toContain('.sortierc.json');
    expect(repo.read('.git/sortie/hooks.env')).toBe(before);
  });

  it('cannot hang a commit whose message would take it hours: the guard reports the config and lets it pass', () => {
    // 40 capitals and no digit: exponential for ([A-Z]+)+-[0-9]+ in a backtracking engine.
    const r = commit(repo, `${'A'.repeat(40)}-x TASK-1`, { env: a.env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('tasks.idPattern');
    expect(r.stderr).toContain('guard.onError = allow');
  }, 30_000);

  it('every command says so, as a config error (exit 2)', () => {
    const s = repo.sortie(['status']);
    expect(s.code).toBe(2);
    expect(s.stderr).toContain('is refused');
    repo.git('checkout', '--', '.sortierc.json');
    expect(repo.sortie(['status']).code).toBe(0);
  });
});

describe('the shell fast path matches what JavaScript matches', () => {
  it('site-nine ids ({n} intervals, which mawk does not know) still reach the guard', () => {
    repo.write('.sortierc.json', JSON.stringify({ extends: 'site-nine' }));
    const init = repo.sortie(['init']);
    expect(init.code, init.stderr).toBe(0);
    expect(repo.read('.git/sortie/hooks.env')).toContain('[A-Z][A-Z][A-Z]-[CHML]-[0-9][0-9][0-9][0-9]');
    const created = repo.sortie(['task', 'new', 'Operate', '--role', 'OPR', '-p', 'high', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const id = created.json().task.id as string;
    expect(id).toMatch(/^OPR-H-\d{4}$/);
    const r = commit(repo, `${id}: work on it`, { env: a.env });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('sortie: commit blocked');
    expect(r.stderr).toContain(id);
  });
});
