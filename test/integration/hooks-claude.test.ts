/**
 * The Claude Code hook entry (dist/hook.js) run as a real child process with the payloads Claude
 * Code 2.1.197 sends (see test/helpers/CLAUDE-HARNESS.md), against real git repos and real
 * database files. Every hook here is spawned by this test process, so the hook's "agent pid" (the
 * first non-shell ancestor) is this process: that is what makes the /clear inheritance testable.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, test } from 'vitest';
import type { MissionRow } from '../../dist/missions/missions.js';
import { inspect } from '../helpers/db.js';
import { HOOK, catchUp, dbOf, makeRepo, taskFile, type TempRepo } from '../helpers/repo.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

interface HookRun {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

interface Fixture {
  repo: TempRepo;
  db: string;
  envFile: string;
  hook(event: string, payload: Record<string, unknown> | string, o?: { env?: Record<string, string | undefined>; cwd?: string; agent?: string }): HookRun;
  start(sessionId: string, source?: string, o?: { env?: Record<string, string | undefined> }): { run: HookRun; context: string; mission: Mission };
  end(sessionId: string, reason?: string): HookRun;
  mission(sessionId: string): Mission;
  sortie(args: string[], missionId?: number): { code: number | null; stdout: string; stderr: string };
}

/** A mission row as sortie stores it. */
type Mission = MissionRow;

interface Claim {
  task_id: string;
  mission_id: number;
  released_at: string | null;
  release_reason: string | null;
}

function runHook(args: string[], input: string, env: Record<string, string | undefined>, cwd: string): HookRun {
  const r = spawnSync(process.execPath, [HOOK, ...args], {
    cwd,
    env: Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<string, string>,
    input,
    encoding: 'utf8',
    timeout: 30_000,
    maxBuffer: 64 << 20,
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

function setup(o: { tasks?: number; config?: Record<string, unknown> } = {}): Fixture {
  const repo = makeRepo({ name: 'hooks' });
  cleanups.push(() => repo.cleanup());
  const init = repo.sortie(['init', '--no-git']);
  expect(init.code, init.stderr).toBe(0);
  if (o.config) repo.write('.sortierc.json', JSON.stringify({ extends: 'recommended', ...o.config }, null, 2));
  for (let i = 1; i <= (o.tasks ?? 3); i++) {
    repo.write(`.sortie/tasks/TASK-${i}.md`, taskFile(`TASK-${i}`, { title: `Task number ${i}`, status: 'TODO', priority: 'medium' }));
  }
  const envFile = join(repo.dir, '..', `${repo.dir.split('/').pop()}-claude-env.sh`);
  cleanups.push(() => rmSync(envFile, { force: true }));
  const db = dbOf(repo);
  const payload = (event: string, sessionId: string, extra: Record<string, unknown>) => ({
    session_id: sessionId,
    transcript_path: join(repo.dir, '..', `${sessionId}.jsonl`),
    cwd: repo.dir,
    hook_event_name: event,
    ...extra,
  });
  const fx: Fixture = {
    repo,
    db,
    envFile,
    hook(event, p, h = {}) {
      const sid = typeof p === 'string' ? undefined : (p.session_id as string | undefined);
      const env = {
        ...repo.env,
        CLAUDECODE: '1',
        CLAUDE_CODE_CHILD_SESSION: '1',
        CLAUDE_CODE_ENTRYPOINT: 'sdk-cli',
        CLAUDE_PROJECT_DIR: repo.dir,
        CLAUDE_CODE_SESSION_ID: sid,
        ...(event === 'SessionStart' ? { CLAUDE_ENV_FILE: envFile } : {}),
        ...h.env,
      };
      return runHook([h.agent ?? 'claude-code', event], typeof p === 'string' ? p : JSON.stringify(p), env, h.cwd ?? repo.dir);
    },
    start(sessionId, source = 'startup', h = {}) {
      const run = fx.hook('SessionStart', payload('SessionStart', sessionId, { source }), h);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toBe('');
      const out = JSON.parse(run.stdout) as { hookSpecificOutput: { hookEventName: string; additionalContext: string } };
      expect(Object.keys(out)).toEqual(['hookSpecificOutput']);
      expect(out.hookSpecificOutput.hookEventName).toBe('SessionStart');
      return { run, context: out.hookSpecificOutput.additionalContext, mission: fx.mission(sessionId) };
    },
    end(sessionId, reason = 'other') {
      const run = fx.hook('SessionEnd', payload('SessionEnd', sessionId, { prompt_id: 'p-1', reason }));
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toBe('');
      expect(run.stdout).toBe('');
      return run;
    },
    mission(sessionId) {
      catchUp(repo.dir, repo.env);
      const m = inspect(db, (d) => d.prepare('SELECT * FROM missions WHERE session_id = ? ORDER BY id DESC LIMIT 1').get(sessionId) as Mission | undefined);
      if (!m) throw new Error(`no mission for session ${sessionId}`);
      return m;
    },
    sortie(args, missionId) {
      return repo.sortie(args, { env: missionId === undefined ? {} : { SORTIE_MISSION: String(missionId) } });
    },
  };
  return fx;
}

const claimsOf = (db: string, missionId: number) =>
  inspect(db, (d) => d.prepare('SELECT task_id, mission_id, released_at, release_reason FROM claims WHERE mission_id = ? ORDER BY id').all(missionId) as Claim[]);
/** The repository of a database made by makeRepo: <repo>/.git/sortie/sortie.db. */
const repoOf = (db: string) => dirname(dirname(dirname(db)));
const liveClaim = (db: string, task: string) =>
  (catchUp(repoOf(db)), inspect(db, (d) => d.prepare('SELECT task_id, mission_id, released_at, release_reason FROM claims WHERE task_id = ? AND released_at IS NULL').get(task) as Claim | undefined));
const taskStatus = (db: string, task: string) => inspect(db, (d) => d.prepare('SELECT status FROM tasks WHERE id = ?').pluck().get(task) as string);
const integrity = (db: string) => inspect(db, (d) => d.pragma('integrity_check', { simple: true }));

function claim(fx: Fixture, task: string, missionId: number): void {
  const r = fx.sortie(['task', 'claim', task], missionId);
  expect(r.code, r.stderr).toBe(0);
  expect(liveClaim(fx.db, task)?.mission_id).toBe(missionId);
}

/**
 * The hook's failure contract: exit 0 on its own (never killed by the test's time limits, which
 * are well past the hook's own deadline), at most one line on stderr, never a stack trace.
 */
function expectQuietFailure(run: HookRun): void {
  expect(run.signal).toBeNull();
  expect(run.code).toBe(0);
  const lines = run.stderr.split('\n').filter(Boolean);
  expect(lines.length, run.stderr).toBeLessThanOrEqual(1);
  for (const s of [run.stdout, run.stderr]) {
    expect(s).not.toMatch(/\n\s+at .+[:(]/);
    expect(s).not.toMatch(/(TypeError|ReferenceError|SyntaxError|SqliteError):/);
  }
}

/** SessionStart puts a machine-local `sortie` shim on the agent's PATH, once per env file. */
const shimLine = (repoDir: string) => `export PATH='${join(repoDir, '.git', 'sortie', 'bin')}':"$PATH"`;
/** What SessionStart exports for a session and its mission, each value quoted for the shell. */
const exported = (session: string, mission: number) => `export SORTIE_SESSION='${session}'\nexport SORTIE_MISSION='${mission}'`;

describe('SessionStart', () => {
  for (const source of ['startup', 'fork'] as const) {
    test(`${source}: starts a mission with the session's facts, exports SORTIE_MISSION and injects context`, () => {
      const fx = setup();
      writeFileSync(fx.envFile, 'export OTHER=1'); // no trailing newline: ours must still be its own line
      const { context, mission: m } = fx.start(`sess-${source}`, source);
      expect(m).toMatchObject({
        agent: 'claude-code',
        session_id: `sess-${source}`,
        transcript_path: join(fx.repo.dir, '..', `sess-${source}.jsonl`),
        cwd: fx.repo.dir,
        worktree: fx.repo.dir,
        branch: 'main',
        pid: process.pid,
        ended_at: null,
        end_reason: null,
      });
      expect(readFileSync(fx.envFile, 'utf8')).toBe(`export OTHER=1\n${exported(`sess-${source}`, m.id)}\n${shimLine(fx.repo.dir)}\n`);
      // The shim on that PATH runs this very sortie.
      const shim = spawnSync(join(fx.repo.dir, '.git', 'sortie', 'bin', 'sortie'), ['--version'], { encoding: 'utf8' });
      expect(shim.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
      expect(context).toContain(`mission #${m.id} "${m.codename}" (claude-code)`);
      expect(context).toContain(`Session ${source}`);
      expect(context).toContain('- TASK-1 Task number 1 [medium]');
      expect(context).toContain('sortie task claim <ID>');
      // The journal exists under .sortie/missions/<date>-<codename>.md.
      expect(m.journal_path).toBe(join(fx.repo.dir, '.sortie', 'missions', `${m.started_at.slice(0, 10)}-${m.codename}.md`));
      expect(existsSync(m.journal_path!)).toBe(true);
    });
  }

  test('the same session started twice (duplicate hook entries) is one mission, exported once', () => {
    const fx = setup();
    const a = fx.start('dup');
    const b = fx.start('dup');
    expect(b.mission.id).toBe(a.mission.id);
    expect(inspect(fx.db, (d) => d.prepare('SELECT COUNT(*) FROM missions WHERE session_id = ?').pluck().get('dup'))).toBe(1);
    expect(readFileSync(fx.envFile, 'utf8')).toBe(`${exported('dup', a.mission.id)}\n${shimLine(fx.repo.dir)}\n`);
  });

  test('resume reopens the mission of that session id, and its context is deterministic', () => {
    const fx = setup();
    const { mission: m } = fx.start('res-1');
    claim(fx, 'TASK-2', m.id);
    fx.end('res-1', 'prompt_input_exit');
    expect(fx.mission('res-1')).toMatchObject({ id: m.id, end_reason: 'prompt_input_exit' });
    expect(fx.mission('res-1').ended_at).not.toBeNull();

    const r1 = fx.start('res-1', 'resume');
    expect(r1.mission).toMatchObject({ id: m.id, ended_at: null, end_reason: null, pid: process.pid });
    expect(inspect(fx.db, (d) => d.prepare('SELECT COUNT(*) FROM missions').pluck().get())).toBe(1);
    expect(r1.context).toContain(`mission #${m.id} "${m.codename}"`);
    expect(r1.context).toContain('Session resume');
    // Claims are not restored on reopen (someone else may hold them now): the task is waiting.
    expect(r1.context).toMatch(/Waiting for pickup[^\n]*\n- TASK-2 /);

    const r2 = fx.start('res-1', 'resume');
    expect(r2.mission.id).toBe(m.id);
    expect(r2.context).toBe(r1.context);
  });

  test('resume of an unknown session starts a mission rather than failing', () => {
    const fx = setup();
    const { mission } = fx.start('never-seen', 'resume');
    expect(mission).toMatchObject({ session_id: 'never-seen', ended_at: null });
  });

  test('the context is deterministic: the same database state gives the same text', () => {
    const fx = setup({ tasks: 4 });
    const a = fx.start('det-a');
    claim(fx, 'TASK-1', a.mission.id);
    fx.end('det-a');
    const copy = realpathSync(mkdtempSync(join(tmpdir(), 'sortie-hooks-copy-')));
    cleanups.push(() => rmSync(copy, { recursive: true, force: true }));
    cpSync(fx.repo.dir, copy, { recursive: true });
    const payload = (cwd: string) => JSON.stringify({ session_id: 'det-b', transcript_path: '/nonexistent/t.jsonl', cwd, hook_event_name: 'SessionStart', source: 'startup' });
    const envOf = (cwd: string) => ({ ...fx.repo.env, CLAUDE_PROJECT_DIR: cwd });
    const r1 = runHook(['claude-code', 'SessionStart'], payload(fx.repo.dir), envOf(fx.repo.dir), fx.repo.dir);
    const r2 = runHook(['claude-code', 'SessionStart'], payload(copy), envOf(copy), copy);
    expect(r1.code).toBe(0);
    expect(r2.code).toBe(0);
    const c1 = JSON.parse(r1.stdout).hookSpecificOutput.additionalContext as string;
    const c2 = JSON.parse(r2.stdout).hookSpecificOutput.additionalContext as string;
    expect(c1).toContain('TASK-1');
    expect(c2).toBe(c1);
  });

  test('the context has every section, most important first', () => {
    const fx = setup({ tasks: 4 });
    // A mission that worked on TASK-1 and left notes.
    const a = fx.start('sec-a');
    claim(fx, 'TASK-1', a.mission.id);
    expect(fx.sortie(['mission', 'note', 'TASK-1 half done: parser written, tests missing'], a.mission.id).code).toBe(0);
    fx.end('sec-a');
    // Another live mission holding TASK-2.
    const b = fx.start('sec-b');
    claim(fx, 'TASK-2', b.mission.id);
    // This mission holds TASK-3, then resumes.
    const c = fx.start('sec-c');
    claim(fx, 'TASK-3', c.mission.id);
    const { context } = fx.start('sec-c', 'resume');
    const order = [
      `# sortie: you are mission #${c.mission.id} "${c.mission.codename}" (claude-code)`,
      '## Tasks you hold',
      '- TASK-3 Task number 3 (UNDERWAY)',
      '## Handoff notes',
      `From ${a.mission.codename} (claude-code`,
      'TASK-1 half done: parser written, tests missing',
      '## Tasks to pick from',
      'Waiting for pickup',
      '- TASK-1 Task number 1',
      'Ready (TODO',
      '- TASK-4 Task number 4',
      '## Other missions',
      `- ${b.mission.codename} (claude-code, main): holds TASK-2`,
      "## Changed since your agent's last mission",
      'claimed TASK-3',
      '## Commands',
      'sortie task claim <ID>',
      'sortie task done <ID>',
    ];
    let at = -1;
    for (const s of order) {
      const i = context.indexOf(s, at + 1);
      expect(i, `"${s}" after position ${at} in:\n${context}`).toBeGreaterThan(at);
      at = i;
    }
    expect(context.length).toBeLessThanOrEqual(6000);
  });

  test('the context stays within a small configured budget, keeps the commands, and strips control characters', () => {
    const fx = setup({ tasks: 0, config: { context: { budget: 800 } } });
    const huge = 'Ω'.repeat(30_000);
    fx.repo.write('.sortie/tasks/TASK-1.md', taskFile('TASK-1', { title: `"evil \\e[31mred\\e[0m \\a bell \\e]0;pwned\\a ${huge}"`, status: 'TODO', priority: 'high' }));
    fx.repo.write('.sortie/tasks/TASK-2.md', taskFile('TASK-2', { title: '"plain \\e[2J\\a title"', status: 'TODO', priority: 'critical' }));
    const a = fx.start('budget-a');
    expect(fx.sortie(['mission', 'note', `notes ${'x'.repeat(20_000)}`], a.mission.id).code).toBe(0);
    fx.end('budget-a');
    const { context } = fx.start('budget-b');
    expect(context.length).toBeLessThanOrEqual(800);
    expect(context).toContain('## Commands');
    expect(context).toContain('sortie task claim <ID>');
    // eslint-disable-next-line no-control-regex
    expect(context).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);

    // The default budget (6,000) holds too, and the handoff and huge title are cut, not dropped whole.
    writeFileSync(join(fx.repo.dir, '.sortierc.json'), JSON.stringify({ extends: 'recommended' }));
    const big = fx.start('budget-c').context;
    expect(big.length).toBeLessThanOrEqual(6000);
    expect(big).toContain('notes xxx');
    expect(big).toContain('TASK-1 evil red');
    expect(big).toMatch(/- TASK-2 plain +title \[critical\]/);
    // eslint-disable-next-line no-control-regex
    expect(big).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
  });

  test('compact keeps the same mission, and its context carries the checkpoint taken at PreCompact', () => {
    const fx = setup();
    const { mission: m } = fx.start('cmp');
    claim(fx, 'TASK-1', m.id);
    fx.repo.write('src/parser.ts', 'export {};\n');
    for (const trigger of ['manual', 'auto']) {
      const run = fx.hook('PreCompact', { session_id: 'cmp', transcript_path: m.transcript_path, cwd: fx.repo.dir, hook_event_name: 'PreCompact', trigger, custom_instructions: '' });
      expect(run).toMatchObject({ code: 0, stdout: '', stderr: '' });
      const cp = JSON.parse(fx.mission('cmp').checkpoint!) as { trigger: string; claims: string[]; changedFiles: string[] };
      expect(cp.trigger).toBe(trigger);
      expect(cp.claims).toEqual(['TASK-1']);
      expect(cp.changedFiles).toContain('src/');
    }
    const journal = readFileSync(m.journal_path!, 'utf8');
    expect(journal).toMatch(/- TASK-1: claimed .*, held/);

    const after = fx.start('cmp', 'compact');
    expect(after.mission.id).toBe(m.id);
    expect(after.mission.ended_at).toBeNull();
    expect(after.context).toContain('Session compact');
    expect(after.context).toContain('Checkpoint before compaction');
    expect(after.context).toContain('uncommitted changes: ');
    expect(after.context).toContain('src/');
    expect(after.context).toMatch(/## Tasks you hold\n(.*\n)*- TASK-1 Task number 1 \(UNDERWAY\)/);
    expect(liveClaim(fx.db, 'TASK-1')?.mission_id).toBe(m.id);
    expect(inspect(fx.db, (d) => d.prepare("SELECT COUNT(*) FROM missions WHERE kind = 'agent'").pluck().get())).toBe(1);
  });

  test('clear: SessionEnd(clear) then SessionStart(clear) with a new id from the same process hands the claims on', () => {
    const fx = setup();
    const old = fx.start('before-clear').mission;
    claim(fx, 'TASK-1', old.id);
    claim(fx, 'TASK-3', old.id);
    fx.end('before-clear', 'clear');
    expect(fx.mission('before-clear').end_reason).toBe('clear');
    expect(liveClaim(fx.db, 'TASK-1')).toBeUndefined();

    const { mission: next, context } = fx.start('after-clear', 'clear');
    expect(next.id).not.toBe(old.id);
    expect(next).toMatchObject({ parent_id: old.id, pid: process.pid, ended_at: null });
    expect(liveClaim(fx.db, 'TASK-1')?.mission_id).toBe(next.id);
    expect(liveClaim(fx.db, 'TASK-3')?.mission_id).toBe(next.id);
    expect(context).toContain(`Inherited from ${old.codename} (before /clear): TASK-1, TASK-3.`);
    expect(readFileSync(fx.envFile, 'utf8')).toBe(`${exported('before-clear', old.id)}\n${shimLine(fx.repo.dir)}\n${exported('after-clear', next.id)}\n`);
  });

  test('clear: SessionStart(clear) arriving before SessionEnd(clear) closes the old mission and takes its claims', () => {
    const fx = setup();
    const old = fx.start('c-old').mission;
    claim(fx, 'TASK-2', old.id);
    const { mission: next } = fx.start('c-new', 'clear');
    expect(fx.mission('c-old')).toMatchObject({ end_reason: 'clear' });
    expect(liveClaim(fx.db, 'TASK-2')?.mission_id).toBe(next.id);
    fx.end('c-old', 'clear'); // late: nothing left to do
    expect(liveClaim(fx.db, 'TASK-2')?.mission_id).toBe(next.id);
    expect(fx.mission('c-new').ended_at).toBeNull();
  });

  test('clear does not take claims of a mission in another agent process', () => {
    const fx = setup();
    const old = fx.start('other-proc').mission;
    claim(fx, 'TASK-1', old.id);
    // The other mission's agent is a different (live) process.
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    cleanups.push(() => sleeper.kill('SIGKILL'));
    const d = new Database(fx.db);
    d.prepare('UPDATE missions SET pid = ?, pid_start = NULL WHERE id = ?').run(sleeper.pid, old.id);
    d.close();
    const { mission: next } = fx.start('someone-elses-clear', 'clear');
    expect(next.parent_id).toBeNull();
    expect(liveClaim(fx.db, 'TASK-1')?.mission_id).toBe(old.id);
    expect(fx.mission('other-proc').ended_at).toBeNull();
  });
});

describe('SessionEnd', () => {
  for (const reason of ['clear', 'resume', 'logout', 'prompt_input_exit', 'other']) {
    test(`reason ${reason}: closes the mission, releases its claims, the task waits for pickup`, () => {
      const fx = setup();
      const { mission: m } = fx.start(`end-${reason}`);
      claim(fx, 'TASK-1', m.id);
      fx.end(`end-${reason}`, reason);
      const ended = fx.mission(`end-${reason}`);
      expect(ended.end_reason).toBe(reason);
      expect(ended.ended_at).not.toBeNull();
      expect(claimsOf(fx.db, m.id)).toEqual([{ task_id: 'TASK-1', mission_id: m.id, released_at: ended.ended_at, release_reason: 'mission-ended' }]);
      expect(taskStatus(fx.db, 'TASK-1')).toBe('UNDERWAY');
      expect(readFileSync(join(fx.repo.dir, '.sortie', 'tasks', 'TASK-1.md'), 'utf8')).toContain('status: UNDERWAY');
      expect(ended.summary).toBe('Tasks: TASK-1 (UNDERWAY).');
      const journal = readFileSync(ended.journal_path!, 'utf8');
      expect(journal).toContain(`end_reason: ${reason}`);
      // A second SessionEnd for the same session changes nothing.
      fx.end(`end-${reason}`, 'other');
      expect(fx.mission(`end-${reason}`)).toEqual(ended);
      // The next conversation is told the task is waiting.
      const { context } = fx.start(`next-${reason}`);
      expect(context).toMatch(/Waiting for pickup[^\n]*\n- TASK-1 Task number 1/);
    });
  }

  test('handoff comes from `sortie mission note` first', () => {
    const fx = setup();
    const { mission: m } = fx.start('h-note');
    claim(fx, 'TASK-1', m.id);
    expect(fx.sortie(['mission', 'note', 'parser done; next: error messages'], m.id).code).toBe(0);
    fx.end('h-note');
    const ended = fx.mission('h-note');
    expect(ended.handoff).toBe('parser done; next: error messages');
    expect(readFileSync(ended.journal_path!, 'utf8')).toContain('## Handoff\n\nparser done; next: error messages');
    expect(fx.start('h-next').context).toContain('parser done; next: error messages');
  });

  test('else from the `## Handoff` section the agent wrote in its journal', () => {
    const fx = setup();
    const { mission: m } = fx.start('h-journal');
    expect(m.journal_path).toBe(join(fx.repo.dir, '.sortie', 'missions', `${m.started_at.slice(0, 10)}-${m.codename}.md`));
    const text = readFileSync(m.journal_path!, 'utf8');
    expect(text).toContain('## Handoff\n');
    writeFileSync(m.journal_path!, text.replace(/## Handoff\n[\s\S]*$/, '## Handoff\n\nLeft off in src/lexer.ts; the tests in test/lexer pass.\n\n## Scratch\n\nnot part of it\n'));
    fx.end('h-journal');
    expect(fx.mission('h-journal').handoff).toBe('Left off in src/lexer.ts; the tests in test/lexer pass.');
  });

  test('else a summary made from its tasks', () => {
    const fx = setup();
    const { mission: m } = fx.start('h-sum');
    claim(fx, 'TASK-2', m.id);
    fx.end('h-sum');
    expect(fx.mission('h-sum')).toMatchObject({ handoff: null, summary: 'Tasks: TASK-2 (UNDERWAY).' });
    const quiet = fx.start('h-quiet').mission;
    fx.end('h-quiet');
    expect(fx.mission('h-quiet').summary).toBe('No claims and no commits recorded.');
    void quiet;
  });
});

describe('heartbeat', () => {
  test('UserPromptSubmit and Stop touch last_seen_at and nothing else', () => {
    const fx = setup();
    const { mission: m } = fx.start('hb');
    claim(fx, 'TASK-1', m.id);
    const snapshot = () => {
      catchUp(fx.repo.dir, fx.repo.env);
      return inspect(fx.db, (d) => ({
        mission: d.prepare('SELECT * FROM missions WHERE id = ?').get(m.id) as Mission,
        claims: d.prepare('SELECT * FROM claims ORDER BY id').all(),
        activity: d.prepare('SELECT COUNT(*) FROM activity').pluck().get(),
        missions: d.prepare('SELECT COUNT(*) FROM missions').pluck().get(),
        tasks: d.prepare('SELECT * FROM tasks ORDER BY id').all(),
      }));
    };
    let before = snapshot();
    const payloads = [
      ['UserPromptSubmit', { prompt: 'fix the parser' }],
      ['Stop', { stop_hook_active: false, last_assistant_message: 'done' }],
    ] as const;
    for (const [event, extra] of payloads) {
      const run = fx.hook(event, { session_id: 'hb', transcript_path: m.transcript_path, cwd: fx.repo.dir, hook_event_name: event, ...extra });
      expect(run).toMatchObject({ code: 0, stdout: '', stderr: '' });
      const after = snapshot();
      expect(after.mission.last_seen_at > before.mission.last_seen_at).toBe(true);
      expect({ ...after, mission: { ...after.mission, last_seen_at: '' } }).toEqual({ ...before, mission: { ...before.mission, last_seen_at: '' } });
      before = after;
    }
  });

  test('a heartbeat for an unknown session or before any database exists creates nothing', () => {
    const fx = setup();
    rmSync(join(fx.repo.dir, '.git', 'sortie'), { recursive: true, force: true });
    const run = fx.hook('Stop', { session_id: 'ghost', cwd: fx.repo.dir, hook_event_name: 'Stop' });
    expectQuietFailure(run);
    expect(run.stderr).toBe('');
    expect(existsSync(fx.db)).toBe(false);
  });
});

describe('failures never break the agent and lose nothing', () => {
  /** A repo with one live mission holding TASK-1, to check that nothing recorded is lost. */
  function recorded() {
    const fx = setup();
    const { mission: m } = fx.start('keep');
    claim(fx, 'TASK-1', m.id);
    const check = () => {
      expect(integrity(fx.db)).toBe('ok');
      expect(fx.mission('keep')).toMatchObject({ id: m.id, ended_at: null });
      expect(liveClaim(fx.db, 'TASK-1')?.mission_id).toBe(m.id);
    };
    const log = join(fx.repo.dir, '.git', 'sortie', 'hooks.log');
    return { fx, m, check, log };
  }

  test('malformed JSON: fields are salvaged, the problem is logged', () => {
    const { fx, check, log } = recorded();
    const run = fx.hook('SessionStart', '{"session_id":"salvaged","cwd":"' + fx.repo.dir + '","hook_event_name":"SessionStart","source":"startup", oops', {
      env: { CLAUDE_CODE_SESSION_ID: undefined },
    });
    expectQuietFailure(run);
    check();
    expect(readFileSync(log, 'utf8')).toMatch(/"event":"SessionStart".*malformed/);
    expect(fx.mission('salvaged').ended_at).toBeNull();
    for (const event of ['SessionEnd', 'PreCompact', 'UserPromptSubmit', 'Stop']) {
      expectQuietFailure(fx.hook(event, '{"not json', { env: { CLAUDE_CODE_SESSION_ID: undefined } }));
      expectQuietFailure(fx.hook(event, '[1,2,3]', { env: { CLAUDE_CODE_SESSION_ID: undefined } }));
    }
    check();
  });

  test('empty stdin: exits 0 and does nothing for an end without a session', () => {
    const { fx, check } = recorded();
    for (const event of ['SessionStart', 'SessionEnd', 'PreCompact', 'UserPromptSubmit', 'Stop']) {
      const run = fx.hook(event, '', { env: { CLAUDE_CODE_SESSION_ID: undefined } });
      expectQuietFailure(run);
    }
    check();
  });

  /** Spawns the hook, writes `input` and keeps stdin open until the hook exits by itself. */
  function openStdinRun(fx: Fixture, event: string, input: string): Promise<HookRun> {
    return new Promise((resolve) => {
      const p = spawn(process.execPath, [HOOK, 'claude-code', event], {
        cwd: fx.repo.dir,
        env: { ...fx.repo.env, CLAUDE_PROJECT_DIR: fx.repo.dir, CLAUDE_ENV_FILE: fx.envFile },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d) => (stdout += d));
      p.stderr.on('data', (d) => (stderr += d));
      p.stdin.on('error', () => {});
      if (input) p.stdin.write(input);
      const killer = setTimeout(() => p.kill('SIGKILL'), 20_000);
      p.on('close', (code, signal) => {
        clearTimeout(killer);
        p.stdin.destroy();
        resolve({ code, signal, stdout, stderr });
      });
    });
  }

  test('stdin that never closes: every event exits 0 on its own within the deadline', async () => {
    const { fx, check } = recorded();
    const events = ['SessionStart', 'SessionEnd', 'PreCompact', 'UserPromptSubmit', 'Stop'];
    const silent = await Promise.all(events.map((e) => openStdinRun(fx, e, '')));
    const half = await Promise.all(events.map((e) => openStdinRun(fx, e, '{"session_id":"someone-else","cwd":')));
    for (const r of [...silent, ...half]) expectQuietFailure(r);
    check();
  });

  test('a whole payload on a stdin left open (seen on /clear) is acted on at once', async () => {
    const { fx, m, log } = recorded();
    const payload = JSON.stringify({ session_id: 'keep', transcript_path: m.transcript_path, cwd: fx.repo.dir, prompt_id: 'p', hook_event_name: 'SessionEnd', reason: 'clear' });
    const run = await openStdinRun(fx, 'SessionEnd', payload);
    expectQuietFailure(run);
    expect(run.stderr).toBe('');
    // Acted on the whole payload as it arrived, not on fields salvaged when the read timed out
    // (that would be logged as a malformed input). How long it took is the benchmark's business.
    expect(existsSync(log) ? readFileSync(log, 'utf8') : '').not.toMatch(/"event":"SessionEnd"/);
    expect(fx.mission('keep')).toMatchObject({ id: m.id, end_reason: 'clear' });
    expect(liveClaim(fx.db, 'TASK-1')).toBeUndefined();
    expect(integrity(fx.db)).toBe('ok');
  });

  test('a 50 MB payload: exits 0, the session is still recognised from the first bytes', async () => {
    const { fx, m, check } = recorded();
    const run = await new Promise<HookRun>((resolve) => {
      const p = spawn(process.execPath, [HOOK, 'claude-code', 'UserPromptSubmit'], { cwd: fx.repo.dir, env: { ...fx.repo.env }, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d) => (stdout += d));
      p.stderr.on('data', (d) => (stderr += d));
      p.stdin.on('error', () => {}); // EPIPE once the hook has read enough and gone
      const head = JSON.stringify({ session_id: 'keep', transcript_path: m.transcript_path, cwd: fx.repo.dir, hook_event_name: 'UserPromptSubmit' }).slice(0, -1);
      p.stdin.write(`${head},"prompt":"`);
      const chunk = 'a'.repeat(1 << 20);
      let i = 0;
      const pump = () => {
        while (i < 50) {
          i++;
          if (!p.stdin.writable) return;
          if (!p.stdin.write(chunk)) return void p.stdin.once('drain', pump);
        }
        if (p.stdin.writable) p.stdin.end('"}');
      };
      pump();
      p.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    });
    expectQuietFailure(run);
    expect(run.stdout).toBe('');
    check();
    expect(fx.mission('keep').last_seen_at > m.last_seen_at).toBe(true);
  });

  test('SessionStart outside any git repository: exits 0, prints nothing, creates nothing', () => {
    const fx = setup();
    const outside = realpathSync(mkdtempSync(join(tmpdir(), 'sortie-norepo-')));
    cleanups.push(() => rmSync(outside, { recursive: true, force: true }));
    const run = fx.hook('SessionStart', { session_id: 'outside', cwd: outside, hook_event_name: 'SessionStart', source: 'startup' }, { cwd: outside, env: { CLAUDE_PROJECT_DIR: outside } });
    expectQuietFailure(run);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('');
    expect(readdirSync(outside)).toEqual([]);
    expect(existsSync(fx.envFile)).toBe(false);
  });

  test('unknown agent or event: one line on stderr, exit 0, nothing touched', () => {
    const { fx, check } = recorded();
    const payload = { session_id: 'keep', cwd: fx.repo.dir, hook_event_name: 'SessionEnd', reason: 'other' };
    const a = fx.hook('SessionEnd', payload, { agent: 'no-such-agent' });
    expectQuietFailure(a);
    expect(a.stderr).toMatch(/^sortie: unknown agent "no-such-agent".*\n$/);
    const b = fx.hook('Notification', payload);
    expectQuietFailure(b);
    expect(b.stderr).toMatch(/^sortie: claude-code has no event "Notification".*\n$/);
    const c = runHook([], '', fx.repo.env, fx.repo.dir);
    expectQuietFailure(c);
    check();
  });

  test('a corrupt database file: exits 0 with one line, logs it, and leaves the file as it was', () => {
    const fx = setup();
    const bytes = Buffer.alloc(64 * 1024);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;
    for (const f of readdirSync(join(fx.repo.dir, '.git', 'sortie'))) if (f.startsWith('sortie.db')) rmSync(join(fx.repo.dir, '.git', 'sortie', f));
    writeFileSync(fx.db, bytes);
    const log = join(fx.repo.dir, '.git', 'sortie', 'hooks.log');
    const events = [
      ['SessionStart', { source: 'startup' }],
      ['PreCompact', { trigger: 'auto' }],
      ['UserPromptSubmit', { prompt: 'hi' }],
      ['Stop', {}],
      ['SessionEnd', { reason: 'other' }],
    ] as const;
    for (const [event, extra] of events) {
      const run = fx.hook(event, { session_id: 'corrupt', cwd: fx.repo.dir, hook_event_name: event, ...extra });
      expectQuietFailure(run);
      if (event === 'SessionStart') {
        // The agent is told in one line why it has no context, and what shows the fix.
        const context = JSON.parse(run.stdout).hookSpecificOutput.additionalContext as string;
        expect(context).toMatch(/^sortie: no context this time: .*not a valid SQLite database.*sortie doctor/);
        expect(context).not.toContain('\n');
      } else expect(run.stdout).toBe('');
      if (run.stderr) expect(run.stderr).toMatch(/^sortie: \w+ hook failed: .*not a (valid SQLite )?database.*; the agent continues\n$/);
    }
    expect(readFileSync(fx.db).equals(bytes)).toBe(true);
    expect(readFileSync(log, 'utf8')).toMatch(/"event":"SessionStart".*DB_CORRUPT/);
  });
});

describe('a repository that never opted in', () => {
  test('SessionStart writes nothing there: no database, no journal, no output (the plugin may be on for every project)', () => {
    const repo = makeRepo({ name: 'not-opted-in' });
    try {
      const r = spawnSync(process.execPath, [HOOK, 'claude-code', 'SessionStart'], {
        cwd: repo.dir,
        env: repo.env,
        input: JSON.stringify({ session_id: 'elsewhere', cwd: repo.dir, source: 'startup' }),
        encoding: 'utf8',
      });
      expect(r.status).toBe(0);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe('');
      expect(existsSync(dbOf(repo))).toBe(false);
      expect(existsSync(join(repo.dir, '.sortie'))).toBe(false);
      expect(repo.git('status', '--porcelain')).toBe('');
      // Once set up (a config is enough), the same start is a mission.
      repo.write('.sortierc.json', '{ "extends": "recommended" }\n');
      const again = spawnSync(process.execPath, [HOOK, 'claude-code', 'SessionStart'], {
        cwd: repo.dir,
        env: repo.env,
        input: JSON.stringify({ session_id: 'elsewhere', cwd: repo.dir, source: 'startup' }),
        encoding: 'utf8',
      });
      expect(again.stdout).toContain('additionalContext');
      expect(existsSync(dbOf(repo))).toBe(true);
    } finally {
      repo.cleanup();
    }
  });
});
