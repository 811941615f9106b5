/**
 * The Cursor adapter, from Cursor's DOCUMENTED hooks only (Cursor cannot run here: it is NOT
 * proven in the real product). The payloads are the fixtures in test/fixtures/cursor/, written
 * from cursor.com/docs/hooks and cursor.com/docs/reference/third-party-hooks (see the README
 * there), run through the commands `sortie init --agent cursor` wrote into `.cursor/hooks.json`
 * (by /bin/sh, from the project root, with the variables the docs give hooks), in a real
 * repository with sortie's git hooks. And the de-duplication: Cursor also runs Claude Code's
 * hooks from `.claude/settings.json`; one conversation is one mission whichever entries fire.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { inspect } from '../helpers/db.js';
import { catchUp, dbOf, makeRepo, ROOT, taskFile, type TempRepo } from '../helpers/repo.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

const FIXTURES = join(ROOT, 'test', 'fixtures', 'cursor');
const CONVERSATION = '7d1c4b2e-0f3a-4c8e-9a51-2b6d8e0f4a17';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface Mission {
  id: number;
  codename: string;
  agent: string;
  session_id: string;
  ended_at: string | null;
  end_reason: string | null;
  checkpoint: string | null;
}

/** A fixture with its placeholders filled in. */
function payload(event: string, root: string, o: { conversation?: string; command?: string } = {}): string {
  return readFileSync(join(FIXTURES, `${event}.json`), 'utf8')
    .replaceAll('{{ROOT}}', root)
    .replaceAll('{{CONVERSATION}}', o.conversation ?? CONVERSATION)
    .replaceAll('{{COMMAND}}', JSON.stringify(o.command ?? 'ls').slice(1, -1));
}

function setup(agents: string[]) {
  const repo = makeRepo({ name: 'hooks-cursor' });
  cleanups.push(() => repo.cleanup());
  const home = realpathSync(mkdtempSync(join(tmpdir(), 'sortie-cursor-home-')));
  cleanups.push(() => rmSync(home, { recursive: true, force: true }));
  const init = repo.sortie(['init', ...agents.flatMap((a) => ['--agent', a])], { env: { HOME: home } });
  expect(init.code, init.stderr).toBe(0);
  for (const [id, title] of [['TASK-1', 'Write the parser'], ['TASK-2', 'Write the lexer']] as const) repo.write(`.sortie/tasks/${id}.md`, taskFile(id, { title, status: 'TODO', priority: 'high' }));
  repo.git('add', '-A');
  repo.git('commit', '-qm', 'set up');
  /** What the docs say Cursor gives every hook. */
  const hookEnv = { HOME: home, CURSOR_PROJECT_DIR: repo.dir, CLAUDE_PROJECT_DIR: repo.dir, CURSOR_VERSION: '1.7.2' };
  const command = (file: string, event: string): string => {
    const config = JSON.parse(readFileSync(join(repo.dir, file), 'utf8'));
    return file.startsWith('.cursor') ? config.hooks[event][0].command : config.hooks[event][0].hooks[0].command;
  };
  return {
    repo,
    home,
    db: dbOf(repo),
    init: init.stdout,
    /** Runs sortie's entry for `event` from `.cursor/hooks.json` (or, with `claude`, Claude Code's entry from .claude/settings.json) as Cursor would. */
    hook(event: string, input: string, o: { claude?: string } = {}): Run {
      const cmd = o.claude ? command('.claude/settings.json', o.claude) : command('.cursor/hooks.json', event);
      const r = spawnSync('/bin/sh', ['-c', cmd], { cwd: repo.dir, env: { ...repo.env, ...hookEnv }, input, encoding: 'utf8', timeout: 30_000 });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    },
    /** The same, started now and not waited for (Cursor runs all matching hooks). */
    hookAsync(event: string, input: string, o: { claude?: string } = {}): Promise<Run> {
      const cmd = o.claude ? command('.claude/settings.json', o.claude) : command('.cursor/hooks.json', event);
      return new Promise((resolve) => {
        const c = spawn('/bin/sh', ['-c', cmd], { cwd: repo.dir, env: { ...repo.env, ...hookEnv } });
        let stdout = '';
        let stderr = '';
        c.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
        c.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
        c.on('close', (code) => resolve({ code, stdout, stderr }));
        c.stdin.end(input);
      });
    },
    /** A command line run by the agent's shell (sh -c), as Cursor runs the rewritten one. */
    shell(commandLine: string): Run {
      const r = spawnSync('/bin/sh', ['-c', commandLine], { cwd: repo.dir, env: { ...repo.env, HOME: home, PATH: '/usr/bin:/bin' }, encoding: 'utf8', timeout: 30_000 });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    },
    missions(): Mission[] {
      catchUp(repo.dir, repo.env);
      return inspect(dbOf(repo), (d) => d.prepare("SELECT * FROM missions WHERE kind = 'agent' ORDER BY id").all()) as Mission[];
    },
  };
}

describe('Cursor (from its documentation; not proven in the real product)', () => {
  test('init writes .cursor/hooks.json in Cursor\'s own format (version 1, timeouts in seconds, Shell matchers); uninstall leaves nothing', () => {
    const fx = setup(['cursor']);
    // Its trust gate: what the user does, in Cursor's terms; sortie cannot do it for them.
    expect(fx.init).toContain("Cursor will not run sortie's hooks until you trust them once: open this folder in Cursor and trust the workspace");
    expect(fx.init).not.toContain('sortie init --trust');
    const config = JSON.parse(readFileSync(join(fx.repo.dir, '.cursor', 'hooks.json'), 'utf8'));
    expect(config.version).toBe(1);
    expect(Object.keys(config.hooks)).toEqual(['sessionStart', 'beforeSubmitPrompt', 'stop', 'preToolUse', 'postToolUse', 'preCompact', 'sessionEnd']);
    expect(config.hooks.preToolUse).toEqual([{ command: expect.stringContaining(' cursor preToolUse'), timeout: 10, matcher: 'Shell' }]);
    expect(config.hooks.sessionStart[0].command).toMatch(/\$CURSOR_PROJECT_DIR|\/dist\/hook\.cjs/);
    expect(fx.repo.sortie(['uninstall']).code).toBe(0);
    expect(readdirSync(fx.repo.dir).filter((f) => f === '.cursor')).toEqual([]);
  });

  test('a conversation: a mission with its context, the rewrite that gives the shell its mission, its commit blocked then allowed after its claim, compaction, the end', () => {
    const fx = setup(['cursor']);
    const root = fx.repo.dir;
    const start = fx.hook('sessionStart', payload('sessionStart', root));
    expect(start.code, start.stderr).toBe(0);
    const context = (JSON.parse(start.stdout) as { additional_context: string }).additional_context;
    const [m] = fx.missions();
    expect(m).toMatchObject({ agent: 'cursor', session_id: CONVERSATION, ended_at: null });
    expect(context).toContain(`you are mission #${m!.id} "${m!.codename}" (cursor)`);
    expect(context).toContain('`sortie task claim <ID>`');

    // preToolUse (Shell): updated_input keeps the rest of the tool input and exports the mission and the shim.
    const rewrite = (command: string) => {
      const r = fx.hook('preToolUse', payload('preToolUse', root, { command }));
      expect(r.code, r.stderr).toBe(0);
      const a = JSON.parse(r.stdout) as { permission: string; updated_input: { command: string; working_directory: string } };
      expect(a).toEqual({ permission: 'allow', updated_input: { command: expect.stringMatching(/^export SORTIE_MISSION=\d+ PATH='.*':"\$PATH"; /), working_directory: root } });
      return a.updated_input.command;
    };
    fx.repo.write('parser.txt', 'parser\n');
    fx.repo.git('add', 'parser.txt');
    const blocked = fx.shell(rewrite('git commit -m "TASK-1 parser"'));
    expect(blocked.code).not.toBe(0);
    expect(blocked.stderr).toContain('sortie: commit blocked (commit-msg)');
    const claim = fx.shell(rewrite('sortie task claim TASK-1'));
    expect(claim.stdout, claim.stderr).toContain(`claimed TASK-1 for ${m!.codename} (cursor, mission #${m!.id})`);
    const commit = fx.shell(rewrite('git commit -qm "TASK-1 parser"'));
    expect(commit.code, commit.stderr).toBe(0);
    expect(fx.repo.git('log', '-1', '--format=%s')).toBe('TASK-1 parser');
    catchUp(root, fx.repo.env);
    expect(inspect(fx.db, (d) => d.prepare('SELECT mission_id, tasks FROM commits').all())).toEqual([{ mission_id: m!.id, tasks: '["TASK-1"]' }]);

    // The turn's heartbeats say nothing; postToolUse says nothing until there is context to give back.
    for (const event of ['beforeSubmitPrompt', 'stop']) expect(fx.hook(event, payload(event, root))).toMatchObject({ code: 0, stdout: '' });
    expect(readdirSync(join(root, '.git', 'sortie', 'beats'))).toEqual([CONVERSATION]);
    expect(fx.hook('postToolUse', payload('postToolUse', root)).stdout).toBe('');
    // preCompact: a checkpoint; the context comes back with the next postToolUse, once.
    expect(fx.hook('preCompact', payload('preCompact', root))).toMatchObject({ code: 0, stdout: '' });
    expect(JSON.parse(fx.missions()[0]!.checkpoint!)).toMatchObject({ trigger: 'auto', claims: ['TASK-1'] });
    const back = JSON.parse(fx.hook('postToolUse', payload('postToolUse', root)).stdout) as { additional_context: string };
    expect(back.additional_context).toContain('Session compact');
    expect(back.additional_context).toContain('Checkpoint before compaction');
    expect(fx.hook('postToolUse', payload('postToolUse', root)).stdout).toBe('');

    expect(fx.hook('sessionEnd', payload('sessionEnd', root))).toMatchObject({ code: 0, stdout: '' });
    expect(fx.missions()[0]).toMatchObject({ id: m!.id, end_reason: 'completed' });
  });

  test("both sortie entries fire (Cursor's and Claude Code's): one mission, the context once, one heartbeat, one end; at once too", async () => {
    const fx = setup(['cursor', 'claude-code']);
    const root = fx.repo.dir;
    const [own, guest] = await Promise.all([fx.hookAsync('sessionStart', payload('sessionStart', root)), fx.hookAsync('sessionStart', payload('sessionStart', root), { claude: 'SessionStart' })]);
    expect(own.code, own.stderr).toBe(0);
    expect(JSON.parse(own.stdout).additional_context).toContain('(cursor)');
    // Claude Code's entry sees Cursor's payload and leaves it to Cursor's own entry: nothing recorded, nothing printed.
    expect([guest.code, guest.stdout, guest.stderr]).toEqual([0, '', '']);
    for (const [event, claude] of [['beforeSubmitPrompt', 'UserPromptSubmit'], ['stop', 'Stop'], ['preCompact', 'PreCompact'], ['sessionEnd', 'SessionEnd']] as const) {
      expect(fx.hook(event, payload(event, root), { claude })).toEqual({ code: 0, stdout: '', stderr: '' });
    }
    // Only Cursor's own entries acted: no checkpoint (its preCompact was not run), no end yet.
    expect(fx.missions()).toEqual([expect.objectContaining({ agent: 'cursor', session_id: CONVERSATION, ended_at: null, checkpoint: null })]);
    expect(fx.hook('sessionEnd', payload('sessionEnd', root)).code).toBe(0);
    expect(fx.missions()).toEqual([expect.objectContaining({ end_reason: 'completed' })]);
  });

  test("only Claude Code's entries installed: under Cursor they record a Cursor mission, the context in Cursor's format; under Claude Code, Claude's as ever", () => {
    const fx = setup(['claude-code']);
    const root = fx.repo.dir;
    const start = fx.hook('sessionStart', payload('sessionStart', root), { claude: 'SessionStart' });
    expect(start.code, start.stderr).toBe(0);
    expect(JSON.parse(start.stdout).additional_context).toContain('(cursor)');
    expect(fx.hook('stop', payload('stop', root), { claude: 'Stop' }).stdout).toBe('');
    expect(fx.hook('preCompact', payload('preCompact', root), { claude: 'PreCompact' }).stdout).toBe('');
    expect(fx.hook('sessionEnd', payload('sessionEnd', root), { claude: 'SessionEnd' }).code).toBe(0);
    const [m] = fx.missions();
    expect(m).toMatchObject({ agent: 'cursor', session_id: CONVERSATION, end_reason: 'completed' });
    expect(m!.checkpoint).not.toBeNull();

    // Claude Code's own payload (no cursor_version, no conversation_id) is Claude Code's.
    const claude = fx.hook('', JSON.stringify({ session_id: 'claude-1', transcript_path: join(fx.home, 't.jsonl'), cwd: root, hook_event_name: 'SessionStart', source: 'startup' }), { claude: 'SessionStart' });
    expect(JSON.parse(claude.stdout).hookSpecificOutput.additionalContext).toContain('(claude-code)');
    expect(fx.missions().map((x) => x.agent)).toEqual(['cursor', 'claude-code']);
  });
});
