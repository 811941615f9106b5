/**
 * Proves the harness drives the REAL Gemini CLI offline against the Gemini v1beta stand-in, with
 * a probe hook on the lifecycle events (independent of sortie's own code): the workspace trust
 * gate, context into the prompt, per-turn events, a BeforeTool rewrite giving the shell the
 * session id, the end event, compression on a resumed session, and no end after SIGKILL.
 * See test/helpers/agents/AGENTS-HARNESS.md.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { alive, diag } from '../helpers/agents/common.js';
import { geminiAvailability, makeGeminiHome, runGemini, startGemini, writeGeminiHooks } from '../helpers/agents/gemini.js';
import { COMMIT_STEP, makeProbe, marker, MARKER } from '../helpers/agents/probe.js';
import { makeRepo } from '../helpers/repo.js';
import type { StandIn } from '../helpers/stand-in/core.js';
import { startGemini as startGeminiStandIn } from '../helpers/stand-in/gemini.js';

const TIMEOUT = 180_000;
const RUN_MS = 120_000;
const gemini = geminiAvailability();
// Not BeforeModel/AfterModel/BeforeToolSelection: they fire per request (AfterModel per chunk).
const EVENTS = ['SessionStart', 'BeforeAgent', 'BeforeTool', 'AfterTool', 'AfterAgent', 'PreCompress', 'Notification', 'SessionEnd'];

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function standIn(...args: Parameters<typeof startGeminiStandIn>): Promise<StandIn> {
  const s = await startGeminiStandIn(...args);
  cleanups.push(() => s.close());
  return s;
}

function fixture() {
  const repo = makeRepo({ name: 'gemini-harness' });
  const probe = makeProbe();
  const home = makeGeminiHome();
  cleanups.push(() => repo.cleanup(), () => probe.cleanup(), () => home.cleanup());
  writeGeminiHooks(repo.dir, Object.fromEntries(EVENTS.map((e) => [e, probe.hookCommand('gemini', e)])));
  probe.gitHook(repo.dir);
  return { repo, probe, home };
}

/** The text parts of the user turns of a generateContent request. */
const userTexts = (body: any): string[] =>
  (Array.isArray(body?.contents) ? body.contents : []).filter((c: any) => c?.role === 'user').flatMap((c: any) => (c.parts ?? []).map((p: any) => p?.text ?? ''));

describe.skipIf(!gemini.ok)(`real Gemini CLI ${gemini.version ?? `(skipped: ${gemini.reason})`} against the Gemini stand-in`, () => {
  let fx: ReturnType<typeof fixture>;
  beforeAll(() => {
    fx = fixture();
  });

  test(
    'an untrusted workspace: headless runs exit 55 before any hook or request',
    async () => {
      const s = await standIn({ script: [{ text: 'done' }] });
      const r = await runGemini({ repo: fx.repo.dir, prompt: 'hello', standIn: s, home: fx.home, trust: false, timeoutMs: RUN_MS });
      expect(r.code, diag(r)).toBe(55);
      expect(r.stderr).toContain('GEMINI_CLI_TRUST_WORKSPACE');
      expect(r.requests).toEqual([]);
      expect(fx.probe.records()).toEqual([]);
    },
    TIMEOUT,
  );

  test(
    'a run: context reaches the prompt, turn events fire, BeforeTool puts the session id in the shell, no git hook runs, SessionEnd; resume compresses',
    async () => {
      const { repo, probe, home } = fx;
      const s = await standIn({ script: [{ shell: probe.shellStep('one'), description: 'probe step' }, COMMIT_STEP, { text: 'done one' }] });
      const r = await runGemini({ repo: repo.dir, prompt: 'first prompt', standIn: s, home, timeoutMs: RUN_MS });
      const d = diag(r, { probe: probe.records().map((x) => x.event) });
      expect(r.code, d).toBe(0);
      expect(r.stdout).toContain('done one');

      const [start] = probe.events('SessionStart');
      expect(start?.payload, d).toMatchObject({ hook_event_name: 'SessionStart', source: 'startup', cwd: repo.dir });
      const sid: string = start!.payload.session_id;
      expect(sid).toMatch(/^[0-9a-f-]{36}$/);
      expect(start!.env).toMatchObject({ GEMINI_SESSION_ID: sid, GEMINI_PROJECT_DIR: repo.dir, CLAUDE_PROJECT_DIR: repo.dir });

      // Context: prepended to the user prompt as <hook_context> (a part after the CLI's <session_context> part).
      const main = r.requests.filter((q) => q.main);
      expect(userTexts(main[0]!.body)).toContain(`<hook_context>${marker('gemini', sid)}</hook_context>\n\nfirst prompt`);

      // Per-turn events.
      expect(probe.events('BeforeAgent').map((e) => e.payload)).toEqual([expect.objectContaining({ session_id: sid, prompt: expect.stringContaining(MARKER) })]);
      expect(probe.events('AfterAgent').map((e) => e.payload)).toEqual([expect.objectContaining({ session_id: sid, prompt_response: 'done one', stop_hook_active: false })]);
      // PreCompress fires before every request with history, whether or not anything is compressed.
      expect(probe.events('PreCompress').length).toBeGreaterThan(0);
      expect(r.requests.filter((q) => q.kind === 'summary')).toEqual([]);

      // The shell: no session id of its own; the BeforeTool rewrite exported it, and AfterTool shows the rewrite.
      expect(probe.events('BeforeTool')[0]?.payload).toMatchObject({ tool_name: 'run_shell_command', tool_input: { command: probe.shellStep('one'), description: 'probe step' } });
      const [shell] = probe.shells('one');
      expect(shell).toMatchObject({ cwd: repo.dir, env: { SORTIE_PROBE_SESSION: sid, GEMINI_CLI: '1' } });
      expect(shell!.env).not.toHaveProperty('GEMINI_SESSION_ID');
      expect(probe.events('AfterTool')[0]?.payload.tool_input.command).toBe(`export SORTIE_PROBE_SESSION=${sid}; ${probe.shellStep('one')}`);
      // The agent's `git commit` succeeds, but its shell sets core.hooksPath="" (GIT_CONFIG_*): no git hook runs.
      expect(repo.git('log', '-1', '--format=%s')).toBe('probe commit');
      expect(probe.shells('git-commit-msg')).toEqual([]);
      const key = Object.entries(shell!.env).find(([k, v]) => /^GIT_CONFIG_KEY_\d+$/.test(k) && v === 'core.hooksPath')?.[0];
      expect(key, JSON.stringify(shell!.env)).toBeDefined();
      expect(shell!.env[key!.replace('KEY', 'VALUE')]).toBe('');
      expect(probe.events('SessionEnd').map((e) => e.payload)).toEqual([expect.objectContaining({ session_id: sid, reason: 'exit' })]);

      // Resume with a huge promptTokenCount: SessionStart source resume (same id), and a real compression
      // (the two generateContent summary calls), PreCompress before it. No SessionStart follows it.
      const s2 = await standIn({ script: [probe.shellStep('two')], usage: { prompt_tokens: 900_000 } });
      const before = probe.records().length;
      const r2 = await runGemini({ repo: repo.dir, prompt: 'second prompt', standIn: s2, home, resume: 'latest', timeoutMs: RUN_MS });
      expect(r2.code, diag(r2)).toBe(0);
      const later = probe.records().slice(before);
      expect(later.filter((x) => x.event === 'SessionStart').map((x) => x.payload)).toEqual([expect.objectContaining({ session_id: sid, source: 'resume' })]);
      expect(r2.requests.filter((q) => q.kind === 'summary').length, diag(r2)).toBe(2);
      expect(later.some((x) => x.event === 'PreCompress')).toBe(true);
      expect(later.find((x) => x.kind === 'shell')?.env.SORTIE_PROBE_SESSION).toBe(sid);
      expect(s2.mainRequests()[0]!.raw).toContain(marker('gemini', sid));
      expect(later.filter((x) => x.event === 'SessionEnd').map((x) => x.payload)).toEqual([expect.objectContaining({ session_id: sid, reason: 'exit' })]);
    },
    TIMEOUT,
  );

  test(
    'SIGKILL of the (only, not relaunched) gemini process mid-turn: no AfterAgent, no SessionEnd',
    async () => {
      const { repo, probe, home } = fx;
      const s = await standIn({ script: [probe.shellStep('killed'), { hang: true }] });
      const p = startGemini({ repo: repo.dir, prompt: 'hang', standIn: s, home, timeoutMs: RUN_MS });
      cleanups.push(() => p.stop());
      await s.waitForMain(2, RUN_MS);
      const sid = probe.shells('killed')[0]!.env.SORTIE_PROBE_SESSION!;
      expect(sid).toMatch(/^[0-9a-f-]{36}$/);
      const agent = await p.agentPid();
      // Hooks are children of the gemini node process (no relaunch); shells are two bash levels below it.
      expect(probe.events('SessionStart').find((x) => x.payload.session_id === sid)!.chain?.[0]).toEqual({ pid: agent, comm: 'node' });
      expect(probe.shells('killed')[0]!.chain?.map((c) => c.pid)).toContain(agent);
      await p.signal('SIGKILL');
      const r = await p.result;
      expect(r.signal, diag(r)).toBe('SIGKILL');
      expect(alive(agent)).toBe(false);
      await new Promise((res) => setTimeout(res, 1000));
      const mine = probe.records().filter((x) => x.payload?.session_id === sid);
      expect(mine.map((x) => x.event)).not.toContain('SessionEnd');
      expect(mine.map((x) => x.event)).not.toContain('AfterAgent');
      expect(mine.map((x) => x.event)).toContain('AfterTool');
    },
    TIMEOUT,
  );
});
