/**
 * The Codex, Gemini CLI and Copilot CLI adapters with payload fixtures shaped as the real CLIs
 * send them (test/helpers/agents/AGENTS-HARNESS.md), through the hook commands `sortie init`
 * wrote into each agent's config (run by /bin/sh, as the agents run them): missions, context in
 * each agent's format, the shell identity each one gets, the pre-tool commit guard, deferred
 * context after compaction, and identity by process ancestry. The real CLIs run in test/e2e.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { inspect } from '../helpers/db.js';
import { catchUp, dbOf, makeRepo, taskFile, type TempRepo } from '../helpers/repo.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Where each agent's config keeps the command of an event. */
const COMMAND_OF: Record<string, (root: string, event: string) => string> = {
  codex: (root, event) => JSON.parse(readFileSync(join(root, '.codex', 'hooks.json'), 'utf8')).hooks[event][0].hooks[0].command,
  'gemini-cli': (root, event) => JSON.parse(readFileSync(join(root, '.gemini', 'settings.json'), 'utf8')).hooks[event][0].hooks[0].command,
  'copilot-cli': (root, event) => JSON.parse(readFileSync(join(root, '.github', 'hooks', 'sortie.json'), 'utf8')).hooks[event][0].bash,
};

/** The variables each agent gives its hooks (seen in the harness). */
const HOOK_ENV: Record<string, (root: string, sid: string) => Record<string, string>> = {
  codex: (root) => ({ PWD: root }),
  'gemini-cli': (root, sid) => ({ GEMINI_PROJECT_DIR: root, GEMINI_CWD: root, GEMINI_SESSION_ID: sid, CLAUDE_PROJECT_DIR: root }),
  'copilot-cli': (root) => ({ COPILOT_CLI: '1', COPILOT_PROJECT_DIR: root, CLAUDE_PROJECT_DIR: root }),
};

interface Fixture {
  repo: TempRepo;
  db: string;
  shim: string;
  home: string;
  hook(event: string, payload: Record<string, unknown> | string, env?: Record<string, string>): Run;
  mission(sid: string): { id: number; codename: string; agent: string; ended_at: string | null; end_reason: string | null; checkpoint: string | null; pid: number | null };
  sortie(args: string[], env?: Record<string, string>): Run;
}

function setup(agent: string, sid: string): Fixture {
  const repo = makeRepo({ name: `hooks-${agent}` });
  cleanups.push(() => repo.cleanup());
  const home = realpathSync(mkdtempSync(join(tmpdir(), 'sortie-agent-home-')));
  cleanups.push(() => rmSync(home, { recursive: true, force: true }));
  const init = repo.sortie(['init', '--no-git', '--agent', agent], { env: { HOME: home, PATH: '/usr/bin:/bin' } });
  expect(init.code, init.stderr).toBe(0);
  for (const [id, title] of [['TASK-1', 'Write the parser'], ['TASK-2', 'Write the lexer']] as const) repo.write(`.sortie/tasks/${id}.md`, taskFile(id, { title, status: 'TODO', priority: 'high' }));
  const db = dbOf(repo);
  const fx: Fixture = {
    repo,
    db,
    home,
    shim: join(repo.dir, '.git', 'sortie', 'bin', 'sortie'),
    hook(event, payload, env = {}) {
      const input = typeof payload === 'string' ? payload : JSON.stringify({ ...payload });
      const r = spawnSync('/bin/sh', ['-c', COMMAND_OF[agent]!(repo.dir, event)], { cwd: repo.dir, env: { ...repo.env, HOME: home, ...HOOK_ENV[agent]!(repo.dir, sid), ...env }, input, encoding: 'utf8', timeout: 30_000 });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    },
    mission(s) {
      catchUp(repo.dir, repo.env);
      const m = inspect(db, (d) => d.prepare('SELECT * FROM missions WHERE session_id = ? ORDER BY id DESC LIMIT 1').get(s));
      if (!m) throw new Error(`no mission for ${s}`);
      return m as ReturnType<Fixture['mission']>;
    },
    sortie(args, env = {}) {
      return repo.sortie(args, { env: { HOME: home, ...env } });
    },
  };
  return fx;
}

const claimOf = (fx: Fixture, task: string) =>
  (catchUp(fx.repo.dir, fx.repo.env), inspect(fx.db, (d) => d.prepare('SELECT mission_id, released_at, release_reason FROM claims WHERE task_id = ? ORDER BY id DESC LIMIT 1').get(task))) as
    | { mission_id: number; released_at: string | null; release_reason: string | null }
    | undefined;

/** Runs a command line the way an agent's shell would (sh -c), with `env`. */
function shell(fx: Fixture, command: string, env: Record<string, string> = {}): Run {
  const r = spawnSync('/bin/sh', ['-c', command], { cwd: fx.repo.dir, env: { ...fx.repo.env, HOME: fx.home, ...env }, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The PATH of a login shell: no node, no sortie on it. */
const BARE_PATH = '/usr/bin:/bin';

describe('Codex', () => {
  const sid = '019a0000-0000-7000-8000-00000000c0de';
  const base = (fx: Fixture, event: string, extra: Record<string, unknown> = {}) => ({ session_id: sid, transcript_path: join(fx.home, 'rollout.jsonl'), cwd: fx.repo.dir, hook_event_name: event, model: 'gpt-5-codex', ...extra });

  test('a session: the context is a developer message naming the shim; CODEX_THREAD_ID is the shell identity; compaction checkpoints and re-injects; the end closes the mission', () => {
    const fx = setup('codex', sid);
    const start = fx.hook('SessionStart', base(fx, 'SessionStart', { source: 'startup', permission_mode: 'bypassPermissions' }));
    expect(start.code, start.stderr).toBe(0);
    const context = JSON.parse(start.stdout).hookSpecificOutput.additionalContext as string;
    const m = fx.mission(sid);
    expect(m).toMatchObject({ agent: 'codex', ended_at: null });
    expect(context).toContain(`you are mission #${m.id} "${m.codename}" (codex)`);
    // Codex's shell is a login shell: the context names the shim by its path, which runs without node on PATH.
    expect(context).toContain(`Run sortie as \`${fx.shim}\` in your shell.`);
    expect(context).toContain(`\`${fx.shim} task claim <ID>\``);
    const claim = shell(fx, `${fx.shim} task claim TASK-1`, { CODEX_THREAD_ID: sid, CODEX_CI: '1', PATH: BARE_PATH });
    expect(claim.code, claim.stderr).toBe(0);
    expect(claim.stdout).toContain(`claimed TASK-1 for ${m.codename} (codex`);

    for (const event of ['UserPromptSubmit', 'Stop']) {
      const beat = fx.hook(event, base(fx, event, { turn_id: 't1', prompt: 'go' }));
      expect([beat.code, beat.stdout, beat.stderr]).toEqual([0, '', '']);
    }
    const pre = fx.hook('PreCompact', base(fx, 'PreCompact', { turn_id: 't1', trigger: 'auto' }));
    expect([pre.code, pre.stdout, pre.stderr]).toEqual([0, '', '']);
    expect(JSON.parse(fx.mission(sid).checkpoint!)).toMatchObject({ trigger: 'auto' });
    const again = fx.hook('SessionStart', base(fx, 'SessionStart', { source: 'compact' }));
    const after = JSON.parse(again.stdout).hookSpecificOutput.additionalContext as string;
    expect(fx.mission(sid).id).toBe(m.id);
    expect(after).toContain('Session compact');
    expect(after).toContain('Checkpoint before compaction');
    expect(after).toContain('TASK-1 Write the parser');

    const end = fx.hook('SessionEnd', base(fx, 'SessionEnd', { reason: 'other' }));
    expect([end.code, end.stdout]).toEqual([0, '']);
    expect(fx.mission(sid)).toMatchObject({ end_reason: 'other' });
    expect(claimOf(fx, 'TASK-1')).toMatchObject({ mission_id: m.id, release_reason: 'mission-ended' });
  });
});

describe('Gemini CLI', () => {
  const sid = 'f0e1d2c3-0000-4000-8000-00000000a11e';
  const transcript = (fx: Fixture) => join(fx.home, 'session.jsonl');
  const base = (fx: Fixture, event: string, extra: Record<string, unknown> = {}) => ({ session_id: sid, transcript_path: transcript(fx), cwd: fx.repo.dir, hook_event_name: event, timestamp: new Date().toISOString(), ...extra });
  const tool = (fx: Fixture, event: string, command: string) => base(fx, event, { tool_name: 'run_shell_command', tool_input: { command, description: 'step' } });
  /** Gemini's own shell: no git hooks, no global config, GEMINI_CLI=1. */
  const GEMINI_SHELL = { GEMINI_CLI: '1', GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'core.hooksPath', GIT_CONFIG_VALUE_0: '', PATH: BARE_PATH };
  const rewritten = (r: Run) => JSON.parse(r.stdout).hookSpecificOutput.tool_input.command as string;

  function started(): { fx: Fixture; m: ReturnType<Fixture['mission']>; context: string } {
    const fx = setup('gemini-cli', sid);
    writeFileSync(transcript(fx), '');
    const start = fx.hook('SessionStart', base(fx, 'SessionStart', { source: 'startup' }));
    expect(start.code, start.stderr).toBe(0);
    const out = JSON.parse(start.stdout);
    expect(Object.keys(out)).toEqual(['hookSpecificOutput']);
    return { fx, m: fx.mission(sid), context: out.hookSpecificOutput.additionalContext };
  }

  test('BeforeTool exports the mission and the shim into each shell command; the rewritten command runs sortie as that mission', () => {
    const { fx, m, context } = started();
    expect(m.agent).toBe('gemini-cli');
    // The rewrite puts the shim on PATH: the context says plain `sortie`.
    expect(context).toContain('`sortie task claim <ID>`');
    const r = fx.hook('BeforeTool', tool(fx, 'BeforeTool', 'sortie task claim TASK-1'));
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ hookSpecificOutput: { hookEventName: 'BeforeTool', tool_input: { command: expect.stringMatching(/^export SORTIE_MISSION=\d+ PATH='.*':"\$PATH"; sortie task claim TASK-1$/) } } });
    const ran = shell(fx, rewritten(r), GEMINI_SHELL);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toContain(`claimed TASK-1 for ${m.codename} (gemini-cli, mission #${m.id})`);
    // A command already rewritten is left alone; the turn's other events print nothing.
    expect(fx.hook('BeforeTool', tool(fx, 'BeforeTool', rewritten(r))).stdout).toBe('');
    for (const event of ['BeforeAgent', 'AfterAgent']) expect(fx.hook(event, base(fx, event, { prompt: 'go' })).stdout).toBe('');
    expect(fx.hook('AfterTool', { ...tool(fx, 'AfterTool', rewritten(r)), tool_response: { llmContent: 'ok', returnDisplay: 'ok' } }).stdout).toBe('');
    // A subagent's session, which no SessionStart announced: the mission of the agent process it runs under.
    const sub = fx.hook('BeforeTool', { ...tool(fx, 'BeforeTool', 'sortie task list'), session_id: 'subagent-session-1' });
    expect(rewritten(sub)).toMatch(new RegExp(`^export SORTIE_MISSION=${m.id} `));
  });

  test("the commit guard in BeforeTool: the guard's own message while unclaimed, its bypasses honoured, allowed after the claim; AfterTool records the commit", () => {
    const { fx, m } = started();
    fx.repo.write('work.txt', 'login\n');
    fx.repo.git('add', 'work.txt');
    const before = fx.repo.git('rev-parse', 'HEAD');
    const denied = fx.hook('BeforeTool', tool(fx, 'BeforeTool', 'git add -A && git commit -m "TASK-1 parser"'));
    expect(denied.code, denied.stderr).toBe(0);
    const d = JSON.parse(denied.stdout) as { decision: string; reason: string };
    expect(d.decision).toBe('deny');
    expect(d.reason).toBe(
      [
        'sortie: commit blocked (commit-msg)',
        '  TASK-1 "Write the parser" (named in the commit message)',
        '    why: nobody has claimed it, so this commit would be unrecorded work on it',
        '    fix: sortie task claim TASK-1',
        '  to commit anyway: SORTIE_SKIP=1 git commit ...   or   git commit --no-verify',
        '',
      ].join('\n'),
    );
    expect(inspect(fx.db, (x) => x.prepare("SELECT mission_id, task_id, detail FROM activity WHERE kind = 'commit.blocked'").all())).toEqual([
      { mission_id: m.id, task_id: 'TASK-1', detail: expect.stringContaining('"hook":"commit-msg"') },
    ]);
    // -am, -F and the branch name are read too; the bypasses git honours pass.
    writeFileSync(join(fx.home, 'msg.txt'), 'TASK-2 lexer\n');
    expect(JSON.parse(fx.hook('BeforeTool', tool(fx, 'BeforeTool', `git commit -qam 'TASK-2: lexer'`)).stdout).reason).toContain('TASK-2 "Write the lexer"');
    expect(JSON.parse(fx.hook('BeforeTool', tool(fx, 'BeforeTool', `git commit -F ${join(fx.home, 'msg.txt')}`)).stdout).reason).toContain('TASK-2');
    fx.repo.git('checkout', '-q', '-b', 'TASK-2-lexer');
    expect(JSON.parse(fx.hook('BeforeTool', tool(fx, 'BeforeTool', 'git commit -m "tidy"')).stdout).reason).toContain('sortie: commit blocked (pre-commit)');
    fx.repo.git('checkout', '-q', 'main');
    for (const bypass of ['SORTIE_SKIP=1 git commit -m "TASK-1 x"', 'git commit --no-verify -m "TASK-1 x"', 'git commit -nm "TASK-1 x"']) {
      expect(fx.hook('BeforeTool', tool(fx, 'BeforeTool', bypass)).stdout, bypass).not.toContain('deny');
    }
    expect(fx.repo.git('rev-parse', 'HEAD')).toBe(before);

    // Claimed (through the rewritten command), the same commit is allowed, runs in Gemini's shell
    // (no git hook fires there), and AfterTool queues it for recording against the mission.
    expect(shell(fx, rewritten(fx.hook('BeforeTool', tool(fx, 'BeforeTool', 'sortie task claim TASK-1'))), GEMINI_SHELL).code).toBe(0);
    const commit = 'git commit -m "TASK-1 parser"';
    const allowed = fx.hook('BeforeTool', tool(fx, 'BeforeTool', commit));
    expect(allowed.stdout).not.toContain('deny');
    const ran = shell(fx, rewritten(allowed), GEMINI_SHELL);
    expect(ran.code, ran.stderr).toBe(0);
    const sha = fx.repo.git('rev-parse', 'HEAD');
    expect(sha).not.toBe(before);
    expect(fx.hook('AfterTool', { ...tool(fx, 'AfterTool', rewritten(allowed)), tool_response: { llmContent: 'ok', returnDisplay: '' } }).stdout).toBe('');
    catchUp(fx.repo.dir, fx.repo.env);
    expect(inspect(fx.db, (x) => x.prepare('SELECT sha, mission_id, tasks FROM commits').all())).toEqual([{ sha, mission_id: m.id, tasks: '["TASK-1"]' }]);
  });

  test('PreCompress checkpoints only when the transcript shows a real compression; that context comes back once, in the next AfterTool', () => {
    const { fx, m } = started();
    const record = (input: number) =>
      writeFileSync(transcript(fx), `${JSON.stringify({ sessionId: sid, startTime: 'x' })}\n${JSON.stringify({ id: 'm1', type: 'gemini', content: 'ok', model: 'gemini-2.5-flash', tokens: { input, output: 5, cached: 0, thoughts: 0, tool: 0, total: input + 5 } })}\n`);
    // Before every request, usually nothing to compress: no checkpoint, nothing printed.
    record(1200);
    const quiet = fx.hook('PreCompress', base(fx, 'PreCompress', { trigger: 'auto' }));
    expect([quiet.code, quiet.stdout, quiet.stderr]).toEqual([0, '', '']);
    expect(fx.mission(sid).checkpoint).toBeNull();
    // The last prompt took 900 000 of gemini-2.5-flash's 1 048 576 tokens (over Gemini's 0.5): it compresses.
    record(900_000);
    expect(fx.hook('PreCompress', base(fx, 'PreCompress', { trigger: 'auto' })).stdout).toBe('');
    expect(JSON.parse(fx.mission(sid).checkpoint!)).toMatchObject({ trigger: 'auto' });
    // BeforeTool cannot carry context; AfterTool can: once.
    expect(fx.hook('BeforeTool', tool(fx, 'BeforeTool', 'ls')).stdout).not.toContain('additionalContext');
    const after = JSON.parse(fx.hook('AfterTool', { ...tool(fx, 'AfterTool', 'ls'), tool_response: { llmContent: '', returnDisplay: '' } }).stdout);
    expect(after.hookSpecificOutput.hookEventName).toBe('AfterTool');
    expect(after.hookSpecificOutput.additionalContext).toContain(`you are mission #${m.id}`);
    expect(after.hookSpecificOutput.additionalContext).toContain('Session compact');
    expect(fx.hook('AfterTool', { ...tool(fx, 'AfterTool', 'ls'), tool_response: {} }).stdout).toBe('');
    expect(fx.hook('BeforeAgent', base(fx, 'BeforeAgent', { prompt: 'next' })).stdout).toBe('');
    // The end closes the mission and clears the session's files.
    const sessionFiles = () => readdirSync(join(fx.repo.dir, '.git', 'sortie', 'sessions')).filter((f) => f.startsWith(sid));
    expect(sessionFiles()).toEqual([`${sid}.mission`]);
    expect(fx.hook('SessionEnd', base(fx, 'SessionEnd', { reason: 'exit' })).stdout).toBe('');
    expect(fx.mission(sid)).toMatchObject({ end_reason: 'exit' });
    expect(sessionFiles()).toEqual([]);
  });
});

describe('Copilot CLI', () => {
  const sid = 'a06709c7-f00d-45fe-a60b-cce5e4153220';
  const base = (extra: Record<string, unknown> = {}) => ({ sessionId: sid, timestamp: Date.now(), cwd: '', ...extra });

  function started(): { fx: Fixture; m: ReturnType<Fixture['mission']>; context: string } {
    const fx = setup('copilot-cli', sid);
    const start = fx.hook('sessionStart', { ...base({ source: 'new', initialPrompt: 'hello' }), cwd: fx.repo.dir });
    expect(start.code, start.stderr).toBe(0);
    const out = JSON.parse(start.stdout);
    expect(Object.keys(out)).toEqual(['additionalContext']);
    return { fx, m: fx.mission(sid), context: out.additionalContext };
  }

  test('sessionStart: the context as a top-level additionalContext naming the shim; COPILOT_AGENT_SESSION_ID is the shell identity; a subagent counts for its parent', () => {
    const { fx, m, context } = started();
    expect(m.agent).toBe('copilot-cli');
    expect(context).toContain(`Run sortie as \`${fx.shim}\``);
    const claim = shell(fx, `${fx.shim} task claim TASK-1`, { COPILOT_CLI: '1', COPILOT_AGENT_SESSION_ID: sid, PATH: BARE_PATH });
    expect(claim.stdout, claim.stderr).toContain(`claimed TASK-1 for ${m.codename} (copilot-cli`);
    // A subagent's stop names its parent: a sign of life for the parent's session, not a new one.
    const beat = fx.hook('agentStop', { ...base({ sessionId: 'sub-agent-1', parentAgentId: sid, agentId: 'sub-agent-1', stopReason: 'end_turn' }), cwd: fx.repo.dir });
    expect([beat.code, beat.stdout]).toEqual([0, '']);
    expect(readdirSync(join(fx.repo.dir, '.git', 'sortie', 'beats'))).toEqual([sid]);
    // preToolUse says nothing when there is nothing to say.
    expect(fx.hook('preToolUse', { ...base({ toolName: 'bash', toolArgs: { command: 'ls', description: 'x' } }), cwd: fx.repo.dir }).stdout).toBe('');
    expect(fx.hook('sessionEnd', { ...base({ reason: 'complete' }), cwd: fx.repo.dir }).stdout).toBe('');
    expect(fx.mission(sid)).toMatchObject({ end_reason: 'complete' });
  });

  test('compaction: preCompact checkpoints; the next preToolUse or userPromptSubmitted carries the context, once', () => {
    const { fx, m } = started();
    const pre = () => fx.hook('preCompact', { ...base({ transcriptPath: join(fx.home, 'events.jsonl'), trigger: 'auto', customInstructions: '' }), cwd: fx.repo.dir });
    expect(pre().stdout).toBe('');
    expect(JSON.parse(fx.mission(sid).checkpoint!)).toMatchObject({ trigger: 'auto' });
    const toolUse = () => fx.hook('preToolUse', { ...base({ toolName: 'view', toolArgs: { path: 'README.md' } }), cwd: fx.repo.dir });
    const first = JSON.parse(toolUse().stdout) as { additionalContext: string };
    expect(first.additionalContext).toContain(`you are mission #${m.id}`);
    expect(first.additionalContext).toContain('Session compact');
    expect(toolUse().stdout).toBe('');
    expect(pre().stdout).toBe('');
    // A subagent's tool call does not take the context meant for the main agent's model.
    expect(fx.hook('preToolUse', { ...base({ sessionId: 'sub-agent-1', agentId: 'sub-agent-1', parentAgentId: sid, toolName: 'view', toolArgs: { path: 'a' } }), cwd: fx.repo.dir }).stdout).toBe('');
    const prompt = JSON.parse(fx.hook('userPromptSubmitted', { ...base({ prompt: 'next' }), cwd: fx.repo.dir }).stdout) as { additionalContext: string };
    expect(prompt.additionalContext).toContain('Checkpoint before compaction');
    expect(fx.hook('userPromptSubmitted', { ...base({ prompt: 'again' }), cwd: fx.repo.dir }).stdout).toBe('');
  });

  test("identity by process ancestry: a subagent's shell with a session id no hook saw acts as the mission whose agent process it runs under; a person's terminal never does", () => {
    const fx = setup('copilot-cli', sid);
    // A stand-in agent process: it runs the sessionStart hook (so it is the mission's agent pid),
    // then a shell command as a subagent would, with Copilot's variables and an unknown session id.
    const agent = join(fx.home, 'agent.mjs');
    writeFileSync(
      agent,
      `import { spawnSync } from 'node:child_process';
const [cmd, shim, root] = process.argv.slice(2);
const env = { ...process.env, COPILOT_CLI: '1', COPILOT_PROJECT_DIR: root };
const start = spawnSync('/bin/sh', ['-c', cmd], { env, input: JSON.stringify({ sessionId: ${JSON.stringify(sid)}, cwd: root, source: 'new' }), encoding: 'utf8' });
const sub = spawnSync('/bin/sh', ['-c', shim + ' task claim TASK-2'], { env: { ...env, COPILOT_AGENT_SESSION_ID: 'b1946ac9-0000-4000-8000-000000000000' }, encoding: 'utf8' });
process.stdout.write(JSON.stringify({ pid: process.pid, start: start.status, sub: sub.stdout + sub.stderr }));
`,
    );
    const r = spawnSync(process.execPath, [agent, COMMAND_OF['copilot-cli']!(fx.repo.dir, 'sessionStart'), fx.shim, fx.repo.dir], { cwd: fx.repo.dir, env: { ...fx.repo.env, HOME: fx.home }, encoding: 'utf8' });
    const out = JSON.parse(r.stdout) as { pid: number; start: number; sub: string };
    const m = fx.mission(sid);
    expect(m.pid).toBe(out.pid);
    expect(out.sub).toContain(`claimed TASK-2 for ${m.codename} (copilot-cli`);
    expect(claimOf(fx, 'TASK-2')?.mission_id).toBe(m.id);
    // The same command from a terminal that shows no agent is the person's.
    const person = shell(fx, `${fx.shim} task claim TASK-1`, { PATH: BARE_PATH });
    expect(person.stdout, person.stderr).toContain('(human');
  });

  test('a preToolUse hook that cannot work (garbage payload, no database) exits 0 and prints nothing: Copilot would deny the tool call', () => {
    const { fx } = started();
    for (const payload of ['{"toolName": "bash", "toolArgs": ', 'not json', '']) {
      const r = fx.hook('preToolUse', payload);
      expect([r.code, r.stdout], r.stderr).toEqual([0, '']);
    }
    rmSync(join(fx.repo.dir, '.git', 'sortie'), { recursive: true, force: true });
    const r = fx.hook('preToolUse', { ...base({ toolName: 'bash', toolArgs: { command: 'git commit -m "TASK-1 x"' } }), cwd: fx.repo.dir });
    expect([r.code, r.stdout]).toEqual([0, '']);
    expect(existsSync(join(fx.repo.dir, '.git', 'sortie'))).toBe(false);
  });
});
