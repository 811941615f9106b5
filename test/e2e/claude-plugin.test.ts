/**
 * The package root as a Claude Code plugin: with `claude --plugin-dir <package root>` and no hooks
 * in .claude/settings.json, the real CLI runs sortie's hooks from hooks/hooks.json
 * (${CLAUDE_PLUGIN_ROOT}/dist/hook.cjs). The agent finds `sortie` on its PATH through the shim
 * SessionStart exports, with no PATH set up by the test.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { CLAUDE_EVENTS } from '../../dist/agents/claude-code/setup.js';
import { claudeAvailable, claudeVersion, runClaude } from '../helpers/claude.js';
import { inspect } from '../helpers/db.js';
import { startFakeModel } from '../helpers/fake-model.js';
import { ROOT, catchUp, dbOf, makeRepo, taskFile } from '../helpers/repo.js';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

test('hooks/hooks.json wires every event sortie handles to the bundled entry, with a timeout', () => {
  const manifest = JSON.parse(readFileSync(join(ROOT, '.claude-plugin', 'plugin.json'), 'utf8')) as { name: string };
  expect(manifest.name).toBe('sortie');
  const hooks = (JSON.parse(readFileSync(join(ROOT, 'hooks', 'hooks.json'), 'utf8')) as { hooks: Record<string, { hooks: { command: string; timeout: number }[] }[]> }).hooks;
  expect(Object.keys(hooks).sort()).toEqual(CLAUDE_EVENTS.map((e) => e.event).sort());
  for (const { event, timeout } of CLAUDE_EVENTS) {
    const entry = hooks[event]![0]!.hooks[0]!;
    expect(entry.command).toBe(`node "\${CLAUDE_PLUGIN_ROOT}/dist/hook.cjs" claude-code ${event}`);
    expect(entry.timeout).toBe(timeout);
  }
  expect(existsSync(join(ROOT, 'dist', 'hook.cjs'))).toBe(true);
});

describe.skipIf(!claudeAvailable())(`sortie as a plugin in real Claude Code ${claudeVersion() ?? '(missing)'}`, () => {
  test('--plugin-dir runs the hooks: mission started and ended, context given, `sortie` works in the agent shell', async () => {
    const repo = makeRepo({ name: 'claude-plugin' });
    cleanups.push(() => repo.cleanup());
    const init = repo.sortie(['init', '--no-claude']);
    expect(init.code, init.stderr).toBe(0);
    expect(existsSync(join(repo.dir, '.claude', 'settings.json'))).toBe(false);
    repo.write('.sortie/tasks/TASK-7.md', taskFile('TASK-7', { title: 'Plugin task', status: 'TODO', priority: 'high' }));
    const fm = await startFakeModel([{ bash: 'command -v sortie && sortie task claim TASK-7' }]);
    cleanups.push(() => fm.close());
    const result = await runClaude({ cwd: repo.dir, prompt: 'take the plugin task', modelUrl: fm.url, extraArgs: ['--plugin-dir', ROOT], timeoutMs: 90_000 });
    const diag = JSON.stringify({ result, toolResults: fm.toolResults() });
    expect(result.code, diag).toBe(0);

    catchUp(repo.dir, repo.env); // the SessionEnd the run queued, applied as any sortie reader does
    const missions = inspect(dbOf(repo), (d) => d.prepare("SELECT id, codename, session_id, ended_at, end_reason FROM missions WHERE kind = 'agent'").all()) as {
      id: number;
      codename: string;
      session_id: string;
      ended_at: string | null;
      end_reason: string | null;
    }[];
    expect(missions, diag).toHaveLength(1);
    const m = missions[0]!;
    expect(m.end_reason, diag).toBe('other');
    // The context reached the model, and the agent's shell found `sortie` through the shim.
    expect(fm.allText()).toContain(m.codename);
    expect(fm.allText()).toContain('TASK-7');
    const out = fm.toolResults().join('\n');
    expect(out, diag).toContain(join('sortie', 'bin', 'sortie'));
    expect(out, diag).toContain(`claimed TASK-7 for ${m.codename}`);
  });
});
