/**
 * The --json contract (schema/sortie.schema.json): every command's output, run for real on one
 * repository with tasks, an agent's mission, a person's claim, commits, a handoff, a reaped
 * mission and a task on another branch, is validated against the command's "output: ..."
 * definition; and every command that takes --json has one. The steps share the repository and
 * run in order.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { COMMANDS } from '../../dist/commands/specs.js';
import { startUi } from '../helpers/browser.js';
import { commit, gitRun, startAgent, type Agent } from '../helpers/guard.js';
import { buildWorkstreams } from '../helpers/import/workstreams.js';
import { makeRepo, taskFile, type TempRepo } from '../helpers/repo.js';
import { SCHEMA, validate } from '../helpers/schema.js';

let repo: TempRepo;
let agent: Agent;
/** Where the steps put what lives outside the repository (a worktree). */
let outside: string;

/** The definition a command's output is held to (the status verbs share one). */
function defOf(command: string): string {
  return /^task (release|handoff|done|abort|block|pause|review)$/.test(command) ? 'output: task change' : `output: ${command}`;
}

function run(args: string[], o: { env?: Record<string, string | undefined>; code?: number; cwd?: string } = {}): unknown {
  const r = repo.sortie([...args, '--json'], { env: o.env, cwd: o.cwd });
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(o.code ?? 0);
  return r.json();
}

const seen = new Set<string>();
function holds(command: string, value: unknown): void {
  seen.add(command);
  expect(validate(value, command === 'error' ? 'error' : defOf(command)), `${command}: ${JSON.stringify(value).slice(0, 400)}`).toEqual([]);
}

beforeAll(() => {
  repo = makeRepo({ name: 'json-contract' });
  const init = repo.sortie(['init', '--json']);
  expect(init.code, init.stderr).toBe(0);
  holds('init', init.json());
  agent = startAgent(repo, 'json-session');
  outside = realpathSync(mkdtempSync(join(tmpdir(), 'sortie-json-contract-outside-')));
});

afterAll(() => {
  repo?.cleanup();
  if (outside) rmSync(outside, { recursive: true, force: true });
});

describe('every command speaks the --json contract', () => {
  test('tasks: new, list, show, claim and every status verb', () => {
    holds('task new', run(['task', 'new', 'Fix the login redirect', '-p', 'high', '--label', 'auth', '--label', 'web']));
    holds('task new', run(['task', 'new', 'Sign-up form', '--depends-on', 'TASK-1']));
    for (let i = 3; i <= 8; i++) run(['task', 'new', `Task ${i}`]);
    const claimed = run(['task', 'claim', 'TASK-1'], { env: agent.env }) as { task: { holder: { codename: string; agent: string; task: string } } };
    holds('task claim', claimed);
    expect(claimed.task.holder).toMatchObject({ task: 'TASK-1', codename: agent.codename, agent: 'claude-code' });
    const list = run(['task', 'list', '--all']) as { tasks: { labels: unknown; dependsOn: unknown; path: string }[] };
    holds('task list', list);
    expect(list.tasks[0]!.labels).toEqual(['auth', 'web']); // arrays, not JSON in strings
    expect(list.tasks[1]!.dependsOn).toEqual(['TASK-1']);
    expect(list.tasks[0]!.path).toMatch(/^\.sortie\/tasks\/TASK-1/);
    const show = run(['task', 'show', 'TASK-1']) as { task: { body: string } };
    holds('task show', show);
    expect(typeof show.task.body).toBe('string');
    // A person claims the others, and walks each through a verb.
    const verbs = ['release', 'handoff', 'done', 'abort', 'block', 'pause', 'review'];
    verbs.forEach((verb, i) => {
      const id = `TASK-${i + 2}`;
      run(['task', 'claim', id]);
      holds(`task ${verb}`, run(['task', verb, id, ...(verb === 'handoff' ? ['--note', 'half done'] : [])]));
    });
  });

  test('missions: list, show, note, end, reap; status; log', () => {
    expect(commit(repo, 'TASK-1 send users to the dashboard', { env: agent.env }).code).toBe(0);
    holds('mission note', run(['mission', 'note', 'parser done; tests left'], { env: agent.env }));
    holds('mission list', run(['mission', 'list', '--all']));
    const show = run(['mission', 'show', String(agent.id)]) as { mission: { commits: { tasks: unknown }[] } };
    holds('mission show', show);
    expect(show.mission.commits[0]!.tasks).toEqual(['TASK-1']);
    holds('status', run(['status']));
    holds('log', run(['log', '--since', '1h']));
    holds('log', run(['log']));
    holds('mission end', run(['mission', 'end', String(agent.id), '--handoff', 'over to you']));
    holds('mission end', run(['mission', 'end', String(agent.id)])); // already ended
    holds('mission reap', run(['mission', 'reap']));
  });

  test('ready and next: ready tasks, tasks waiting for pickup with their handoff, a pick and a claim', () => {
    run(['task', 'new', 'Write the docs', '-p', 'low']);
    const ready = run(['ready']) as { ready: { id: string }[]; waiting: { id: string; handoff: unknown }[]; waitingTotal: number };
    holds('ready', ready);
    expect(ready.ready.map((t) => t.id)).toContain('TASK-9');
    // TASK-1: its mission ended with a handoff; TASK-3: handed off with a note.
    expect(ready.waiting.map((t) => [t.id, t.handoff])).toEqual([
      ['TASK-1', expect.objectContaining({ note: 'over to you', from: agent.codename })],
      ['TASK-3', expect.objectContaining({ note: 'half done' })],
    ]);
    holds('ready', run(['ready', '--limit', '1']));
    const pick = run(['next']) as { task: { id: string; holder: unknown }; claimed: boolean };
    holds('next', pick);
    expect(pick).toMatchObject({ task: { id: 'TASK-1', holder: null }, claimed: false });
    const claimed = run(['next', '--claim']) as { task: { id: string; holder: { mission: number } }; mission: { id: number; kind: string } };
    holds('next', claimed);
    expect(claimed).toMatchObject({ task: { id: 'TASK-1', status: 'UNDERWAY' }, kind: 'waiting', claimed: true, mission: { kind: 'person' } });
    expect(claimed.task.holder.mission).toBe(claimed.mission.id);
  });

  test('task edit, and a person reopens a COMPLETE task', () => {
    const edited = run(['task', 'edit', 'TASK-2', '--title', 'Sign-up form with a captcha', '-p', 'high', '--label', 'web', '--no-depends-on', 'TASK-1']) as { task: unknown; changed: string[] };
    holds('task edit', edited);
    expect(edited).toMatchObject({ task: { id: 'TASK-2', title: 'Sign-up form with a captcha', priority: 'high', labels: ['web'], dependsOn: [], path: expect.stringMatching(/^\.sortie\/tasks\/TASK-2-/) }, changed: ['title', 'priority', 'labels', 'depends_on'] });
    holds('task edit', run(['task', 'edit', 'TASK-2', '-p', 'high'])); // nothing changes
    run(['task', 'new', 'Shipped too early']);
    run(['task', 'claim', 'TASK-10']);
    run(['task', 'done', 'TASK-10']);
    const reopened = run(['task', 'reopen', 'TASK-10', '--note', 'the fix did not cover Safari']);
    holds('task reopen', reopened);
    expect(reopened).toMatchObject({ task: { id: 'TASK-10', status: 'TODO', holder: null }, from: 'COMPLETE', on: 'main' });
  });

  test('a task on another branch: renumbered off an id it shares, then shown with its origin and no path', () => {
    // A worktree on a new branch, which has none of main's task files (they are not committed):
    // its TASK-7 is another task than main's.
    const side = join(outside, 'side');
    expect(gitRun(repo, ['worktree', 'add', '-q', '-b', 'side', side]).code).toBe(0);
    mkdirSync(join(side, '.sortie', 'tasks'), { recursive: true });
    writeFileSync(join(side, '.sortie', 'tasks', 'TASK-7-side-work.md'), taskFile('TASK-7', { title: 'Side work', status: 'TODO', priority: 'high', created: '2026-01-01T00:00:00.000Z' }));
    writeFileSync(join(side, '.sortie', 'tasks', 'TASK-70-after-side-work.md'), taskFile('TASK-70', { title: 'After side work', status: 'TODO', depends_on: '[TASK-7]', created: '2026-01-02T00:00:00.000Z' }));
    const renumbered = run(['task', 'renumber', 'TASK-7'], { cwd: side }) as { to: string };
    holds('task renumber', renumbered);
    const id = renumbered.to;
    expect(renumbered).toMatchObject({ from: 'TASK-7', path: `.sortie/tasks/${id}-side-work.md`, previousPath: '.sortie/tasks/TASK-7-side-work.md', rewritten: ['.sortie/tasks/TASK-70-after-side-work.md'], collidedWith: ['main'] });

    // From main: the task is the side worktree's; main has no file for it.
    const inWorktree = { branch: 'side', worktree: side, merged: false, here: null };
    const list = run(['task', 'list']) as { tasks: { id: string }[] };
    holds('task list', list);
    expect(list.tasks.find((t) => t.id === id)).toMatchObject({ title: 'Side work', path: null, origin: inWorktree });
    expect(list.tasks.find((t) => t.id === 'TASK-2')).toMatchObject({ path: expect.stringMatching(/^\.sortie\/tasks\//), origin: null });
    const show = run(['task', 'show', id]);
    holds('task show', show);
    expect(show).toMatchObject({ task: { id, path: null }, origin: inWorktree });
    const status = run(['status']) as { ready: { id: string }[] };
    holds('status', status);
    expect(status.ready.find((t) => t.id === id)).toMatchObject({ path: null, origin: inWorktree });
    const ready = run(['ready']) as { ready: { id: string }[] };
    holds('ready', ready);
    expect(ready.ready.find((t) => t.id === id)).toMatchObject({ path: null, origin: inWorktree });

    // Committed on its branch and the worktree gone: the origin is the branch, in no worktree.
    expect(gitRun(repo, ['add', '-A'], { cwd: side }).code).toBe(0);
    expect(gitRun(repo, ['commit', '-q', '-m', 'Side work'], { cwd: side, env: { SORTIE_SKIP: '1' } }).code).toBe(0);
    expect(gitRun(repo, ['worktree', 'remove', side]).code).toBe(0);
    const after = run(['task', 'list']) as { tasks: { id: string }[] };
    holds('task list', after);
    expect(after.tasks.find((t) => t.id === id)).toMatchObject({ path: null, origin: { branch: 'side', worktree: null, merged: false, here: null } });
  });

  test('import: the id check, the plan, and the plan applied', () => {
    buildWorkstreams(repo); // work/<stream>/tasks.json and threads.json, with their known defects
    const check = run(['import', 'workstreams', '--preset-check'], { code: 1 }) as { fit: boolean; misfit: string[] };
    holds('import', check);
    expect(check).toMatchObject({ pattern: expect.any(String), fit: false, preset: null });
    expect(check.misfit).toContain('01.01.01.01');
    const plan = run(['import', 'workstreams']) as Record<string, any>;
    holds('import', plan);
    expect(plan).toMatchObject({ source: 'workstreams', applied: false, ids: { fit: false, blocked: true } });
    expect(plan.read).toContain('work/006-ux/tasks.json');
    expect(plan.skipped).toContainEqual({ path: 'work/007-broken/tasks.json', row: null, line: 4, what: 'tasks.json', why: expect.stringContaining('not valid JSON') });
    expect(plan.result).toBeUndefined();
    const applied = run(['import', 'workstreams', '--map-ids', '--apply']) as Record<string, any>;
    holds('import', applied);
    expect(applied).toMatchObject({ applied: true, ids: { blocked: false } });
    expect(applied.result.tasks.map((t: { id: string }) => t.id)).toEqual(applied.create.tasks.map((t: { id: string }) => t.id));
    expect(applied.result.tasks[0]).toMatchObject({ path: expect.stringMatching(/^\.sortie\/tasks\//), holder: null });
    expect(applied.result.missions.map((m: { source: string }) => m.source)).toEqual(applied.create.missions.map((m: { source: string }) => m.source));
    const again = run(['import', 'workstreams', '--map-ids']) as { already: unknown[]; counts: { create: number } };
    holds('import', again);
    expect(again.counts.create).toBe(0);
    expect(again.already).toContainEqual({ kind: 'task', key: expect.any(String), target: applied.result.tasks[0].id });
  });

  test('report, and ui (its one line, then stopped)', async () => {
    const report = run(['report', '--html', 'sortie-report.html', '--since', '1d']) as { file: string; tasks: number };
    holds('report', report);
    expect(report).toMatchObject({ file: 'sortie-report.html', tasks: expect.any(Number) });
    expect(report.tasks).toBeGreaterThan(0);
    // The server runs until stopped: started here, read, and stopped (SIGINT to the process started).
    const ui = await startUi(repo.dir, repo.env);
    try {
      const line = ui.output().split('\n')[0]!;
      const printed = JSON.parse(line) as { url: string; port: number };
      holds('ui', printed);
      expect(printed).toEqual({ url: ui.url, port: ui.port });
    } finally {
      expect(await ui.stop()).toBe(0);
    }
  });

  test('doctor, uninstall, and an error', () => {
    holds('doctor', run(['doctor']));
    holds('error', run(['task', 'show', 'TASK-99'], { code: 3 }));
    holds('error', run(['task', 'claim', 'TASK-4'], { code: 1 })); // COMPLETE: not claimable
    holds('uninstall', run(['uninstall']));
  });

  test('a task waiting for pickup is the task shape and its handoff', () => {
    const { handoff, ...rest } = SCHEMA.$defs['waiting task']!.properties as Record<string, unknown>;
    expect(handoff).toBeDefined();
    expect(rest).toEqual(SCHEMA.$defs.task!.properties);
    expect(SCHEMA.$defs['waiting task']!.required).toEqual([...(SCHEMA.$defs.task!.required as string[]), 'handoff']);
  });

  test('every command that takes --json has a definition, and every definition was exercised', () => {
    const withJson = COMMANDS.filter((c) => 'json' in c.options).map((c) => c.name);
    for (const name of withJson) expect(SCHEMA.$defs[defOf(name)], `schema/sortie.schema.json has no "${defOf(name)}"`).toBeDefined();
    for (const name of withJson) expect(seen.has(name), `${name} was not run by this test`).toBe(true);
    expect(seen.has('error')).toBe(true);
  });
});
