// One scenario: the commit guard's verdicts, through real `git commit`s and the installed husky
// hooks, for a person at a terminal and for agents as Claude Code runs them.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, test } from 'vitest';
import { recorded, commit, commitCount, editorScript, gitRun, head, query, stage, startAgent, usePreset, type Agent } from '../helpers/guard.js';
import { inspect } from '../helpers/db.js';
import { HOOK, dbOf, makeRepo, type TempRepo } from '../helpers/repo.js';

let repo: TempRepo;
let a: Agent;
let b: Agent;
const PERSON = {};

function expectBlocked(r: { code: number | null; stderr: string }, id: string): void {
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toContain('sortie: commit blocked');
  expect(r.stderr).toContain(id);
  expect(r.stderr).toContain('SORTIE_SKIP=1');
  expect(r.stderr).toContain('--no-verify');
}

function blockedRows(id: string): { mission_id: number | null; agent: string; detail: string }[] {
  return query(repo, "SELECT mission_id, agent, detail FROM activity WHERE kind = 'commit.blocked' AND task_id = ? ORDER BY id", id);
}

beforeAll(() => {
  repo = makeRepo({ name: 'guard-verdicts' });
  expect(repo.sortie(['init']).code).toBe(0);
  for (const t of ['Login', 'Signup', 'Profile', 'Billing', 'Search']) expect(repo.sortie(['task', 'new', t]).code).toBe(0);
  repo.git('add', '-A');
  repo.git('commit', '-q', '-m', 'set up sortie and tasks');
  a = startAgent(repo, 'session-a');
  b = startAgent(repo, 'session-b');
});
afterAll(() => repo?.cleanup());

describe('the commit guard', () => {
  it('lets a commit whose message names no task pass, for a person and an agent', () => {
    const before = commitCount(repo);
    const p = commit(repo, 'plain change', { env: PERSON });
    expect(p.code, p.stderr).toBe(0);
    expect(p.stderr).not.toContain('sortie');
    const g = commit(repo, 'another plain change', { env: a.env });
    expect(g.code, g.stderr).toBe(0);
    expect(g.stderr).not.toContain('sortie');
    expect(commitCount(repo)).toBe(before + 2);
    // An agent's commit is recorded even when it names no task.
    expect(recorded(repo, head(repo), 'mission_id, tasks')).toEqual([{ mission_id: a.id, tasks: '[]' }]);
  });

  it('blocks a commit on an unclaimed task, saying why, how to fix and how to bypass, and logs it', () => {
    const before = commitCount(repo);
    for (const [who, env, mission] of [['person', PERSON, null], ['agent', a.env, a.id], ['agent via SORTIE_MISSION', a.missionEnv, a.id]] as const) {
      const r = commit(repo, 'TASK-1 change', { env });
      expectBlocked(r, 'TASK-1');
      expect(r.stderr, who).toContain('nobody has claimed it');
      expect(r.stderr).toContain('sortie task claim TASK-1');
      expect(r.stderr).toContain('(commit-msg)');
      expect(r.stderr).toContain('"Login"');
      expect(commitCount(repo)).toBe(before);
      const last = blockedRows('TASK-1').at(-1)!;
      if (mission === null) expect(last).toMatchObject({ agent: 'human' });
      else expect(last).toMatchObject({ mission_id: mission, agent: 'claude-code' });
      expect(JSON.parse(last.detail)).toMatchObject({ hook: 'commit-msg', reason: 'unclaimed', source: 'message' });
    }
    expect(blockedRows('TASK-1')).toHaveLength(3);
  });

  it('lets the holder commit, and post-commit records the commit against its mission', () => {
    expect(repo.sortie(['task', 'claim', 'TASK-1'], { env: a.env }).code).toBe(0);
    const before = commitCount(repo);
    const r = commit(repo, 'TASK-1 change', { env: a.env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('blocked');
    expect(commitCount(repo)).toBe(before + 1);
    expect(recorded(repo, head(repo), 'sha, mission_id, subject, tasks, branch')).toEqual([
      { sha: head(repo), mission_id: a.id, subject: 'TASK-1 change', tasks: '["TASK-1"]', branch: 'main' },
    ]);
    // The SORTIE_MISSION route identifies the same mission.
    const m = commit(repo, 'TASK-1 more', { env: a.missionEnv });
    expect(m.code, m.stderr).toBe(0);
    expect(commitCount(repo)).toBe(before + 2);
    expect(recorded(repo, head(repo), 'mission_id, tasks')).toEqual([{ mission_id: a.id, tasks: '["TASK-1"]' }]);
  });

  it('blocks another agent, and a person, on a task a live mission holds, naming it', () => {
    const before = commitCount(repo);
    const r = commit(repo, 'TASK-1 poaching', { env: b.env });
    expectBlocked(r, 'TASK-1');
    expect(r.stderr).toMatch(new RegExp(`held by ${a.codename} \\(claude-code\\) since \\d\\d:\\d\\d UTC`));
    expect(blockedRows('TASK-1').at(-1)).toMatchObject({ mission_id: b.id });
    expect(JSON.parse(blockedRows('TASK-1').at(-1)!.detail)).toMatchObject({ reason: 'held-by-other', holder: a.codename });
    const p = commit(repo, 'TASK-1 by hand', { env: PERSON });
    expectBlocked(p, 'TASK-1');
    expect(p.stderr).toContain(a.codename);
    expect(commitCount(repo)).toBe(before);
  });

  it("passes a person's commit on a task they claimed, and blocks an agent on it", () => {
    const claim = repo.sortie(['task', 'claim', 'TASK-2']);
    expect(claim.code, claim.stderr).toBe(0);
    const before = commitCount(repo);
    const r = commit(repo, 'TASK-2 by hand', { env: PERSON });
    expect(r.code, r.stderr).toBe(0);
    expect(commitCount(repo)).toBe(before + 1);
    const person = query(repo, "SELECT id FROM missions WHERE kind = 'person' AND person = 'person@example.com' AND ended_at IS NULL");
    expect(person).toHaveLength(1);
    expect(recorded(repo, head(repo), 'mission_id, tasks')).toEqual([{ mission_id: person[0].id, tasks: '["TASK-2"]' }]);
    const g = commit(repo, 'TASK-2 agent', { env: a.env });
    expectBlocked(g, 'TASK-2');
    expect(g.stderr).toContain('person@example.com');
    expect(commitCount(repo)).toBe(before + 1);
  });

  it("under the solo preset (personPolicy: anyone) a person may commit on an agent's task", () => {
    usePreset(repo, 'solo');
    try {
      const before = commitCount(repo);
      const r = commit(repo, 'TASK-1 fix by hand', { env: PERSON });
      expect(r.code, r.stderr).toBe(0);
      expect(commitCount(repo)).toBe(before + 1);
      // Agents are still held to their own claims.
      expectBlocked(commit(repo, 'TASK-1 again', { env: b.env }), 'TASK-1');
      expect(commitCount(repo)).toBe(before + 1);
    } finally {
      usePreset(repo, 'recommended');
    }
  });

  it('warns on an unknown id with a known prefix, and ignores UTF-8 / SHA-256', () => {
    const before = commitCount(repo);
    const r = commit(repo, 'TASK-999 does not exist', { env: PERSON });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('sortie: warning: TASK-999 is not a known task');
    expect(query(repo, "SELECT task_id FROM activity WHERE kind = 'commit.warned'")).toEqual([{ task_id: 'TASK-999' }]);
    for (const env of [PERSON, a.env]) {
      const u = commit(repo, 'convert to UTF-8 and hash with SHA-256', { env });
      expect(u.code, u.stderr).toBe(0);
      expect(u.stderr).toBe('');
    }
    expect(commitCount(repo)).toBe(before + 3);
    expect(query(repo, "SELECT COUNT(*) AS n FROM activity WHERE kind IN ('commit.warned', 'commit.blocked') AND task_id IN ('UTF-8', 'SHA-256')")).toEqual([{ n: 0 }]);
  });

  it('warns on a COMPLETE task by default', () => {
    expect(repo.sortie(['task', 'claim', 'TASK-3']).code).toBe(0);
    const done = repo.sortie(['task', 'done', 'TASK-3']);
    expect(done.code, done.stderr).toBe(0);
    const before = commitCount(repo);
    const r = commit(repo, 'TASK-3 follow-up', { env: a.env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('sortie: warning: TASK-3 is COMPLETE');
    expect(commitCount(repo)).toBe(before + 1);
  });

  it('blocks unknown and closed tasks under the strict preset', () => {
    usePreset(repo, 'strict');
    try {
      const before = commitCount(repo);
      const u = commit(repo, 'TASK-999 does not exist', { env: PERSON });
      expectBlocked(u, 'TASK-999');
      expect(u.stderr).toContain('is not a known task');
      const c = commit(repo, 'TASK-3 follow-up', { env: a.env });
      expectBlocked(c, 'TASK-3');
      expect(c.stderr).toContain('is COMPLETE');
      expect(c.stderr).toContain('sortie task claim TASK-3 --force');
      expect(commitCount(repo)).toBe(before);
      // Still nothing to say about UTF-8.
      expect(commit(repo, 'UTF-8 only', { env: PERSON }).code).toBe(0);
    } finally {
      usePreset(repo, 'recommended');
    }
  });

  it('blocks in pre-commit on a branch named after an unclaimed task, and passes once it is claimed', () => {
    expect(gitRun(repo, ['checkout', '-q', '-b', 'TASK-4-login']).code).toBe(0);
    try {
      const before = commitCount(repo);
      const r = commit(repo, 'work on the branch', { env: PERSON });
      expectBlocked(r, 'TASK-4');
      expect(r.stderr).toContain('(pre-commit)');
      expect(r.stderr).toContain('named in the branch name');
      expect(r.stderr).toContain('sortie task claim TASK-4');
      expect(commitCount(repo)).toBe(before);
      expect(repo.sortie(['task', 'claim', 'TASK-4']).code).toBe(0);
      const ok = commit(repo, 'work on the branch', { env: PERSON });
      expect(ok.code, ok.stderr).toBe(0);
      expect(commitCount(repo)).toBe(before + 1);
    } finally {
      gitRun(repo, ['checkout', '-q', 'main']);
    }
  });

  it('blocks a staged task file set UNDERWAY without a claim; new task files and TODO edits pass', () => {
    const file = '.sortie/tasks/TASK-5-search.md';
    const text = repo.read(file);
    expect(text).toMatch(/^status: TODO$/m);
    const before = commitCount(repo);
    repo.write(file, text.replace(/^status: TODO$/m, 'status: UNDERWAY'));
    repo.git('add', file);
    const r = gitRun(repo, ['commit', '-q', '-m', 'start search']);
    expectBlocked(r, 'TASK-5');
    expect(r.stderr).toContain('named in the staged task file');
    expect(commitCount(repo)).toBe(before);
    repo.git('checkout', 'HEAD', '--', file);

    // Renamed as well as set UNDERWAY: the shell fast path must not let it through either.
    const renamed = '.sortie/tasks/TASK-5-find.md';
    repo.git('mv', file, renamed);
    repo.write(renamed, text.replace(/^status: TODO$/m, 'status: UNDERWAY'));
    repo.git('add', renamed);
    expect(repo.git('diff', '--cached', '--name-status')).toMatch(/^R\d+\t/);
    const mv = gitRun(repo, ['commit', '-q', '-m', 'rename search']);
    expectBlocked(mv, 'TASK-5');
    expect(mv.stderr).toContain('named in the staged task file');
    expect(commitCount(repo)).toBe(before);
    repo.git('reset', '-q', 'HEAD', '--', file, renamed);
    rmSync(join(repo.dir, renamed));
    repo.git('checkout', 'HEAD', '--', file);

    // Backlog grooming: editing a TODO task's text.
    repo.write(file, `${text}\nMore detail about search.\n`);
    repo.git('add', file);
    const edit = gitRun(repo, ['commit', '-q', '-m', 'groom the backlog']);
    expect(edit.code, edit.stderr).toBe(0);
    // A brand-new task file.
    const created = repo.sortie(['task', 'new', 'Export']);
    expect(created.code, created.stderr).toBe(0);
    repo.git('add', '.sortie/tasks/TASK-6-export.md');
    const add = gitRun(repo, ['commit', '-q', '-m', 'new task']);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stderr).toBe('');
    expect(commitCount(repo)).toBe(before + 2);
    expect(repo.git('show', '--name-status', '--format=', 'HEAD')).toBe('A\t.sortie/tasks/TASK-6-export.md');
  });

  it('ignores task ids in comment lines and in the `git commit -v` diff', () => {
    const before = commitCount(repo);
    // The staged diff names TASK-1 (held by another mission): it lands below the scissors line.
    writeFileSync(join(repo.dir, 'notes.md'), 'TASK-1 notes, TASK-5 too\n');
    repo.git('add', 'notes.md');
    const editor = editorScript(repo.dir, ['docs: add notes', '# TASK-2 is only mentioned in a comment']);
    const r = gitRun(repo, ['commit', '-v'], { env: { GIT_EDITOR: editor } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('sortie');
    expect(commitCount(repo)).toBe(before + 1);
    expect(repo.git('log', '-1', '--format=%B')).toBe('docs: add notes');
    expect(repo.git('show', 'HEAD:notes.md')).toBe('TASK-1 notes, TASK-5 too');
    rmSync(editor);

    // The same through -F with --cleanup=scissors, as an agent. (Under scissors cleanup, git keeps
    // `#` lines above the scissors in the message, so none are used here.)
    const msg = join(repo.dir, '.git', 'msg.txt');
    writeFileSync(msg, ['docs: more notes', '# ------------------------ >8 ------------------------', '+TASK-1 in a diff', ''].join('\n'));
    stage(repo);
    const f = gitRun(repo, ['commit', '-q', '-F', msg, '-e', '--cleanup=scissors'], { env: { ...a.env, GIT_EDITOR: 'true' } });
    expect(f.code, f.stderr).toBe(0);
    expect(commitCount(repo)).toBe(before + 2);
    expect(repo.git('log', '-1', '--format=%B')).toBe('docs: more notes');
  });

  it('SORTIE_SKIP=1 and --no-verify bypass the guard', () => {
    const before = commitCount(repo);
    const s = commit(repo, 'TASK-5 skipped', { env: { ...b.env, SORTIE_SKIP: '1' } });
    expect(s.code, s.stderr).toBe(0);
    expect(s.stderr).toBe('');
    const n = commit(repo, 'TASK-5 no verify', { env: b.env, args: ['--no-verify'] });
    expect(n.code, n.stderr).toBe(0);
    expect(commitCount(repo)).toBe(before + 2);
    expect(blockedRows('TASK-5')).toHaveLength(2); // only the two staged-file blocks above
  });
});

describe('an internal error in the guard', () => {
  let r2: TempRepo;
  beforeAll(() => {
    r2 = makeRepo({ name: 'guard-error' });
    expect(r2.sortie(['init']).code).toBe(0);
    expect(r2.sortie(['task', 'new', 'Login']).code).toBe(0);
    r2.git('add', '-A');
    r2.git('commit', '-q', '-m', 'set up');
    const db = dbOf(r2);
    for (const f of [`${db}-wal`, `${db}-shm`]) if (existsSync(f)) rmSync(f);
    writeFileSync(db, 'this is not a sqlite database\n'.repeat(200));
  });
  afterAll(() => r2?.cleanup());

  it('warns and lets the commit through by default', () => {
    usePreset(r2, 'recommended');
    const before = commitCount(r2);
    const r = commit(r2, 'TASK-1 change');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('sortie: the commit guard failed');
    expect(r.stderr).toContain('the commit goes ahead');
    expect(commitCount(r2)).toBe(before + 1);
  });

  it('blocks under the strict preset (guard.onError: block)', () => {
    usePreset(r2, 'strict');
    const before = commitCount(r2);
    const r = commit(r2, 'TASK-1 change');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('sortie: commit blocked: the commit guard failed');
    expect(r.stderr).toContain('SORTIE_SKIP=1');
    expect(r.stderr).toContain('--no-verify');
    expect(commitCount(r2)).toBe(before);
    // The bypass still works.
    expect(commit(r2, 'TASK-1 change', { env: { SORTIE_SKIP: '1' } }).code).toBe(0);
    expect(commitCount(r2)).toBe(before + 1);
  });
});

describe('a claim held by an agent that died', () => {
  test('is reaped by the guard: the commit is judged as on an unclaimed task, not as held by the dead mission', () => {
    const repo = makeRepo({ name: 'guard-dead-holder' });
    try {
      expect(repo.sortie(['init']).code).toBe(0);
      expect(repo.sortie(['task', 'new', 'Login']).code).toBe(0);
      repo.git('add', '-A');
      repo.git('commit', '-q', '-m', 'tasks', '--no-verify');
      // An agent whose process is gone: a real child process, started and killed.
      const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
      const deadPid = Number(child.stdout);
      const start = spawnSync(process.execPath, [HOOK, 'claude-code', 'SessionStart'], {
        cwd: repo.dir,
        env: { ...repo.env, CLAUDE_PID: String(deadPid) },
        input: JSON.stringify({ session_id: 'dead-agent', cwd: repo.dir, source: 'startup' }),
        encoding: 'utf8',
      });
      expect(start.status).toBe(0);
      const mission = inspect(dbOf(repo), (d) => d.prepare("SELECT id FROM missions WHERE session_id = 'dead-agent' AND ended_at IS NULL").pluck().get()) as number;
      expect(mission).toBeGreaterThan(0);
      // The claim it took before it died.
      const db = new Database(dbOf(repo));
      db.prepare("INSERT INTO claims (task_id, mission_id, claimed_at) VALUES ('TASK-1', ?, ?)").run(mission, new Date().toISOString());
      db.close();
      repo.write('a.txt', 'work\n');
      repo.git('add', 'a.txt');
      const r = spawnSync('git', ['commit', '-q', '-m', 'TASK-1 work'], { cwd: repo.dir, env: repo.env, encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('nobody has claimed it');
      expect(r.stderr).not.toContain('held by');
      const ended = inspect(dbOf(repo), (d) => d.prepare('SELECT end_reason FROM missions WHERE id = ?').pluck().get(mission));
      expect(ended).toBe('abandoned');
    } finally {
      repo.cleanup();
    }
  });
});

describe('the shell pre-check of the message', () => {
  test('finds an id on any line, and lets "-<digit>" that is no id through without a verdict', () => {
    const repo = makeRepo({ name: 'guard-prefilter' });
    try {
      expect(repo.sortie(['init']).code).toBe(0);
      expect(repo.sortie(['task', 'new', 'Login']).code).toBe(0);
      repo.git('add', '-A');
      repo.git('commit', '-q', '-m', 'tasks', '--no-verify');
      const commitMsg = (msg: string) => {
        repo.write('a.txt', `${Math.random()}\n`);
        repo.git('add', 'a.txt');
        return spawnSync('git', ['commit', '-q', '-m', msg], { cwd: repo.dir, env: repo.env, encoding: 'utf8' });
      };
      const late = commitMsg('Tidy the login form\n\nPart of TASK-1.');
      expect(late.status).toBe(1);
      expect(late.stderr).toContain('sortie task claim TASK-1');
      const noId = commitMsg('Bump v1-2 to v1-3');
      expect(noId.status).toBe(0);
      expect(noId.stderr).toBe('');
    } finally {
      repo.cleanup();
    }
  });
});
