// One scenario: a task's whole life through the CLI, asserted in files, git and the database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspect } from '../helpers/db.js';
import { agentMissions } from '../helpers/missions.js';
import { dbOf, makeRepo } from '../helpers/repo.js';

const repo = makeRepo({ name: 'cli-tasks' });
afterAll(() => repo.cleanup());
const db = () => dbOf(repo);
const statusIn = (rel: string) => /\nstatus: (\w+)\n/.exec(repo.read(rel))?.[1];
const liveClaims = () => inspect(db(), (d) => d.prepare('SELECT task_id, mission_id FROM claims WHERE released_at IS NULL ORDER BY task_id').all());

// The tests below are the scenario's steps, in order: each builds on the files, claims and
// statuses the steps before it left.
describe('sortie task', () => {
  let agent: { id: number; codename: string };
  const asAgent = { env: { SORTIE_MISSION: '' } };
  // The agent that claims in this scenario (a mission as its SessionStart would record it).
  beforeAll(() => {
    [agent] = agentMissions(db(), 1) as [{ id: number; codename: string }];
    asAgent.env.SORTIE_MISSION = String(agent.id);
  });

  it('new: writes a task file with the next id and indexes it', () => {
    const a = repo.sortie(['task', 'new', 'Fix the login redirect', '-p', 'high', '--label', 'auth', '--label', 'web', '--body', 'Steps.', '--json']);
    expect(a.code).toBe(0);
    expect(a.json().task).toMatchObject({ id: 'TASK-1', title: 'Fix the login redirect', status: 'TODO', priority: 'high', labels: ['auth', 'web'] });
    const b = repo.sortie(['task', 'new', 'Write docs', '--depends-on', 'TASK-1']);
    expect(b.code).toBe(0);
    expect(b.stdout).toContain('created TASK-2  Write docs');
    expect(repo.sortie(['task', 'new', 'Later', '-p', 'low', '--status', 'PAUSED']).code).toBe(0);
    expect(repo.git('status', '--porcelain', '--untracked-files=all').split('\n').sort()).toEqual([
      '?? .sortie/tasks/TASK-1-fix-the-login-redirect.md',
      '?? .sortie/tasks/TASK-2-write-docs.md',
      '?? .sortie/tasks/TASK-3-later.md',
    ]);
    expect(repo.read('.sortie/tasks/TASK-2-write-docs.md')).toContain('depends_on: [TASK-1]');
    expect(inspect(db(), (d) => d.prepare('SELECT id, status FROM tasks ORDER BY id').all())).toEqual([
      { id: 'TASK-1', status: 'TODO' },
      { id: 'TASK-2', status: 'TODO' },
      { id: 'TASK-3', status: 'PAUSED' },
    ]);
    repo.git('add', '.sortie');
    repo.git('commit', '-q', '-m', 'tasks');
  });

  it('new: refuses bad input with exit 2', () => {
    expect(repo.sortie(['task', 'new', 'x', '-p', 'urgent']).code).toBe(2);
    expect(repo.sortie(['task', 'new', 'x', '--status', 'COMPLETE']).code).toBe(2);
    expect(repo.sortie(['task', 'new']).code).toBe(2);
    expect(repo.sortie(['task', 'new', 'x', '--bogus']).code).toBe(2);
    expect(repo.git('status', '--porcelain', '--untracked-files=all')).toBe('');
  });

  it('list: open tasks by priority, filters, --all, --json', () => {
    const all = repo.sortie(['task', 'list', '--json']);
    expect(all.code).toBe(0);
    expect(all.json().tasks.map((t: { id: string }) => t.id)).toEqual(['TASK-1', 'TASK-2', 'TASK-3']);
    expect(all.json().tasks[0]).toMatchObject({ path: '.sortie/tasks/TASK-1-fix-the-login-redirect.md', holder: null });
    expect(repo.sortie(['task', 'list', '--status', 'paused', '--json']).json().tasks.map((t: { id: string }) => t.id)).toEqual(['TASK-3']);
    expect(repo.sortie(['task', 'list', '--label', 'auth', '--json']).json().tasks.map((t: { id: string }) => t.id)).toEqual(['TASK-1']);
    const text = repo.sortie(['task', 'list']);
    expect(text.stdout.split('\n')[0]).toMatch(/^ID\s+STATUS\s+PRIORITY\s+TITLE\s+HOLDER$/);
    expect(repo.sortie(['task', 'list', '--status', 'DOING']).code).toBe(2);
  });

  it('show: a missing task is exit 3', () => {
    const r = repo.sortie(['task', 'show', 'TASK-99', '--json']);
    expect(r.code).toBe(3);
    expect(r.json().error).toMatchObject({ code: 'TASK_NOT_FOUND', task: 'TASK-99' });
    expect(repo.sortie(['task', 'claim', 'TASK-99']).code).toBe(3);
  });

  it('claim: sets UNDERWAY in the file, one live claim, a task.claimed row', () => {
    const r = repo.sortie(['task', 'claim', 'TASK-1', '--json'], asAgent);
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ task: { id: 'TASK-1', status: 'UNDERWAY', holder: { task: 'TASK-1', mission: agent.id, codename: agent.codename, agent: 'claude-code' } }, already: false });
    expect(statusIn('.sortie/tasks/TASK-1-fix-the-login-redirect.md')).toBe('UNDERWAY');
    expect(repo.git('diff', '--stat').trim()).toMatch(/TASK-1-fix-the-login-redirect\.md \| 2 \+-/);
    expect(liveClaims()).toEqual([{ task_id: 'TASK-1', mission_id: agent.id }]);
    expect(repo.sortie(['task', 'claim', 'TASK-1', '--json'], asAgent).json().already).toBe(true);
  });

  it('claim by someone else: exit 1 naming the holder; show reports the holder', () => {
    const r = repo.sortie(['task', 'claim', 'TASK-1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`TASK-1 is held by ${agent.codename} (claude-code, mission #${agent.id})`);
    const s = repo.sortie(['task', 'show', 'TASK-1', '--json']).json();
    expect(s.task.holder).toMatchObject({ mission: agent.id, codename: agent.codename, agent: 'claude-code' });
    expect(s.task.status).toBe('UNDERWAY');
    expect(s.history.map((h: { kind: string }) => h.kind)).toEqual(['task.created', 'task.claimed']);
    expect(repo.sortie(['task', 'show', 'TASK-1']).stdout).toContain(`held by ${agent.codename} (claude-code, mission #${agent.id})`);
  });

  it('only the holder changes a held task; a person can force and it is recorded', () => {
    const r = repo.sortie(['task', 'review', 'TASK-1', '--json']);
    expect(r.code).toBe(1);
    expect(r.json().error.code).toBe('NOT_HOLDER');
    expect(repo.sortie(['task', 'release', 'TASK-2']).code).toBe(1); // nobody holds it
    const review = repo.sortie(['task', 'review', 'TASK-1', '--json'], asAgent);
    expect(review.json()).toMatchObject({ task: { id: 'TASK-1', status: 'REVIEW' }, already: false, released: false, forced: false, previousHolder: null });
    expect(liveClaims()).toEqual([{ task_id: 'TASK-1', mission_id: agent.id }]);
    const forced = repo.sortie(['task', 'release', 'TASK-1', '--force', '--json']);
    expect(forced.code).toBe(0);
    expect(forced.json()).toMatchObject({ released: true, forced: true, previousHolder: agent.codename, task: { status: 'REVIEW', holder: null } });
    expect(liveClaims()).toEqual([]);
    expect(inspect(db(), (d) => d.prepare("SELECT release_reason FROM claims WHERE task_id = 'TASK-1'").pluck().get())).toBe('forced-release');
  });

  it('handoff needs notes, releases and leaves the task UNDERWAY', () => {
    expect(repo.sortie(['task', 'claim', 'TASK-1'], asAgent).code).toBe(0);
    expect(repo.sortie(['task', 'handoff', 'TASK-1'], asAgent).code).toBe(2);
    const h = repo.sortie(['task', 'handoff', 'TASK-1', '--note', 'login fixed; tests left', '--json'], asAgent);
    expect(h.json()).toMatchObject({ task: { id: 'TASK-1', status: 'UNDERWAY' }, released: true });
    expect(liveClaims()).toEqual([]);
    const note = inspect(db(), (d) => d.prepare("SELECT detail FROM activity WHERE kind = 'task.handoff' AND task_id = 'TASK-1'").pluck().get() as string);
    expect(JSON.parse(note).note).toBe('login fixed; tests left');
    expect(repo.sortie(['status', '--json']).json().waiting.map((t: { id: string }) => t.id)).toEqual(['TASK-1']);
  });

  it('block, pause, done, abort move the status and end the claim; terminal tasks stay closed', () => {
    const step = (verb: string, id: string, want: string) => {
      const r = repo.sortie(['task', verb, id, '--json']);
      expect(r.code, `${verb} ${id}: ${r.stdout}${r.stderr}`).toBe(0);
      expect(r.json().task.status).toBe(want);
    };
    expect(repo.sortie(['task', 'claim', 'TASK-2']).code).toBe(0);
    step('block', 'TASK-2', 'BLOCKED');
    expect(liveClaims()).toEqual([]);
    expect(repo.sortie(['task', 'claim', 'TASK-2']).code).toBe(0);
    step('pause', 'TASK-2', 'PAUSED');
    expect(repo.sortie(['task', 'claim', 'TASK-2']).code).toBe(0);
    step('done', 'TASK-2', 'COMPLETE');
    expect(liveClaims()).toEqual([]);
    expect(statusIn('.sortie/tasks/TASK-2-write-docs.md')).toBe('COMPLETE');
    const again = repo.sortie(['task', 'claim', 'TASK-2', '--json']);
    expect(again.code).toBe(1);
    expect(again.json().error.code).toBe('NOT_CLAIMABLE');
    const reopen = repo.sortie(['task', 'review', 'TASK-2', '--json']);
    expect(reopen.code).toBe(1);
    expect(reopen.json().error).toMatchObject({ code: 'TRANSITION', from: 'COMPLETE', to: 'REVIEW' });
    step('abort', 'TASK-3', 'ABORTED');
    // TODO cannot go straight to REVIEW or COMPLETE.
    expect(repo.sortie(['task', 'new', 'Fresh']).code).toBe(0);
    expect(repo.sortie(['task', 'done', 'TASK-4', '--json']).json().error.code).toBe('TRANSITION');
    expect(repo.sortie(['task', 'list', '--json']).json().tasks.map((t: { id: string }) => t.id)).toEqual(['TASK-1', 'TASK-4']);
    expect(repo.sortie(['task', 'list', '--all', '--json']).json().tasks.map((t: { id: string; status: string }) => `${t.id}:${t.status}`)).toEqual([
      'TASK-1:UNDERWAY',
      'TASK-2:COMPLETE',
      'TASK-4:TODO',
      'TASK-3:ABORTED',
    ]);
    expect(repo.git('diff', '--name-only').split('\n').sort()).toEqual([
      '.sortie/tasks/TASK-1-fix-the-login-redirect.md',
      '.sortie/tasks/TASK-2-write-docs.md',
      '.sortie/tasks/TASK-3-later.md',
    ]);
  });

  it('every claim and release is in the activity log, in one-to-one correspondence with the claims table', () => {
    const counts = inspect(db(), (d) => ({
      claims: d.prepare('SELECT COUNT(*) FROM claims').pluck().get(),
      claimed: d.prepare("SELECT COUNT(*) FROM activity WHERE kind = 'task.claimed'").pluck().get(),
      released: d.prepare('SELECT COUNT(*) FROM claims WHERE released_at IS NOT NULL').pluck().get(),
      releasedRows: d.prepare("SELECT COUNT(*) FROM activity WHERE kind IN ('task.released', 'task.handoff')").pluck().get(),
    }));
    expect(counts).toEqual({ claims: 5, claimed: 5, released: 5, releasedRows: 5 });
  });
});
