/**
 * Proves the harness drives the REAL GitHub Copilot CLI offline (BYOK + COPILOT_OFFLINE) against
 * the Chat Completions stand-in, with probe repo hooks (independent of sortie's own code): the
 * folder-trust gate, context into the model, per-turn events, COPILOT_AGENT_SESSION_ID in the
 * shell, compaction, sessionEnd, resume, and no end after SIGKILL.
 * See test/helpers/agents/AGENTS-HARNESS.md.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { alive, diag } from '../helpers/agents/common.js';
import { COPILOT_EVENTS, copilotAvailability, makeCopilotCache, makeCopilotHome, runCopilot, startCopilot, writeCopilotHooks } from '../helpers/agents/copilot.js';
import { COMMIT_STEP, makeProbe, marker } from '../helpers/agents/probe.js';
import { makeRepo } from '../helpers/repo.js';
import type { StandIn } from '../helpers/stand-in/core.js';
import { startOpenAiChat } from '../helpers/stand-in/openai-chat.js';

const TIMEOUT = 180_000;
const RUN_MS = 120_000;
const copilot = copilotAvailability();

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function standIn(...args: Parameters<typeof startOpenAiChat>): Promise<StandIn> {
  const s = await startOpenAiChat(...args);
  cleanups.push(() => s.close());
  return s;
}

function fixture() {
  const repo = makeRepo({ name: 'copilot-harness' });
  const probe = makeProbe();
  const home = makeCopilotHome();
  const cache = makeCopilotCache();
  cleanups.push(() => repo.cleanup(), () => probe.cleanup(), () => home.cleanup(), () => cache.cleanup());
  writeCopilotHooks(repo.dir, Object.fromEntries(COPILOT_EVENTS.map((e) => [e, probe.hookCommand('copilot', e)])));
  probe.gitHook(repo.dir);
  return { repo, probe, home, cacheDir: cache.dir };
}

const messages = (body: any): { role: string; text: string }[] =>
  (Array.isArray(body?.messages) ? body.messages : []).map((m: any) => ({ role: m.role, text: typeof m.content === 'string' ? m.content : (m.content ?? []).map((p: any) => p?.text ?? '').join('') }));

describe.skipIf(!copilot.ok)(`real Copilot CLI ${copilot.version ?? `(skipped: ${copilot.reason})`} against the Chat Completions stand-in`, () => {
  let fx: ReturnType<typeof fixture>;
  beforeAll(() => {
    fx = fixture();
  });

  test(
    'an untrusted folder: the run works but the repo hooks are skipped, silently',
    async () => {
      const { repo, probe, home, cacheDir } = fx;
      const s = await standIn({ script: [{ text: 'done' }] });
      const r = await runCopilot({ repo: repo.dir, prompt: 'hello', standIn: s, home, cacheDir, trust: 'none', timeoutMs: RUN_MS });
      expect(r.code, diag(r)).toBe(0);
      expect(r.stdout).toContain('done');
      expect(probe.records()).toEqual([]);
      expect(`${r.stdout}${r.stderr}`).not.toMatch(/trust/i);
    },
    TIMEOUT,
  );

  test(
    'a run (--trust-folder): context reaches the model, turn events fire, the shell sees COPILOT_AGENT_SESSION_ID, compaction, sessionEnd; resume keeps the id',
    async () => {
      const { repo, probe, home, cacheDir } = fx;
      // A step reporting 29 500 prompt tokens against a 30 000 budget: Copilot compacts before the next turn.
      const s = await standIn({ script: [{ shell: probe.shellStep('one'), prompt_tokens: 29_500 }, probe.shellStep('two'), COMMIT_STEP, { text: 'done two' }] });
      const r = await runCopilot({ repo: repo.dir, prompt: 'first prompt', standIn: s, home, cacheDir, maxPromptTokens: 30_000, timeoutMs: RUN_MS });
      const d = diag(r, { probe: probe.records().map((x) => x.event) });
      expect(r.code, d).toBe(0);
      expect(r.stdout).toContain('done two');

      const [start] = probe.events('sessionStart');
      expect(start?.payload, d).toMatchObject({ source: 'new', cwd: repo.dir, initialPrompt: 'first prompt' });
      const sid: string = start!.payload.sessionId;
      expect(sid).toMatch(/^[0-9a-f-]{36}$/);
      expect(start!.env).toMatchObject({ COPILOT_CLI: '1', COPILOT_PROJECT_DIR: repo.dir, COPILOT_HOOK_DIR: `${repo.dir}/.github/hooks` });
      expect(start!.env).not.toHaveProperty('COPILOT_AGENT_SESSION_ID');

      // Context: top-level additionalContext → its own user message right after the system prompt, in every
      // main request until compaction. Compaction summarises it away and no hook re-fires to restore it.
      const main = r.requests.filter((q) => q.main);
      expect(main.map((q) => q.raw.includes(marker('copilot', sid)))).toEqual([true, true, false, false]);
      for (const q of main.slice(0, 2)) expect(messages(q.body).slice(0, 2).map((m) => m.role + ':' + m.text)).toEqual([expect.stringMatching(/^system:/), `user:${marker('copilot', sid)}`]);
      expect(messages(main[2]!.body)[1]!.text).toMatch(/^Some of the conversation history has been summarized/);

      expect(probe.events('userPromptSubmitted').map((e) => e.payload)).toEqual([expect.objectContaining({ sessionId: sid, prompt: 'first prompt' })]);
      expect(probe.events('preToolUse')[0]?.payload).toMatchObject({ sessionId: sid, toolName: 'bash', toolArgs: { command: probe.shellStep('one') } });
      expect(probe.events('agentStop').map((e) => e.payload)).toEqual([expect.objectContaining({ sessionId: sid, stopReason: 'end_turn', transcriptPath: `${home.copilotHome}/session-state/${sid}/events.jsonl` })]);

      // The shell carries the session identity natively.
      for (const label of ['one', 'two']) expect(probe.shells(label)[0], label).toMatchObject({ cwd: repo.dir, env: { COPILOT_AGENT_SESSION_ID: sid, COPILOT_CLI: '1' } });
      // The agent's `git commit` runs git hooks, which see the session id (and Copilot's git hardening).
      expect(repo.git('log', '-1', '--format=%s')).toBe('probe commit');
      expect(probe.shells('git-commit-msg')[0]).toMatchObject({ cwd: repo.dir, env: { COPILOT_AGENT_SESSION_ID: sid, GIT_TERMINAL_PROMPT: '0' } });

      // Compaction: preCompact, then the summary request (it offers the tools; the stand-in answers it with text).
      expect(probe.events('preCompact').map((e) => e.payload)).toEqual([expect.objectContaining({ sessionId: sid, trigger: 'auto' })]);
      const summary = r.requests.filter((q) => q.kind === 'summary');
      expect(summary, d).toHaveLength(1);
      expect(summary[0]!.tools).toContain('bash');
      expect(probe.events('sessionEnd').map((e) => e.payload)).toEqual([expect.objectContaining({ sessionId: sid, reason: 'complete' })]);

      // Resume: --trust-folder is refused with --resume, so the harness trusts through COPILOT_ALLOW_ALL=true.
      const s2 = await standIn({ script: [probe.shellStep('three')] });
      const before = probe.records().length;
      const r2 = await runCopilot({ repo: repo.dir, prompt: 'second prompt', standIn: s2, home, cacheDir, resume: sid, timeoutMs: RUN_MS });
      expect(r2.code, diag(r2)).toBe(0);
      const later = probe.records().slice(before);
      expect(later.find((x) => x.event === 'sessionStart')?.payload).toMatchObject({ sessionId: sid, source: 'resume', initialPrompt: 'second prompt' });
      expect(later.find((x) => x.kind === 'shell')?.env.COPILOT_AGENT_SESSION_ID).toBe(sid);
      expect(s2.mainRequests()[0]!.raw).toContain(marker('copilot', sid));
      expect(later.find((x) => x.event === 'sessionEnd')?.payload).toMatchObject({ sessionId: sid, reason: 'complete' });
    },
    TIMEOUT,
  );

  test(
    'SIGKILL of the platform binary mid-turn: no agentStop, no sessionEnd',
    async () => {
      const { repo, probe, home, cacheDir } = fx;
      const s = await standIn({ script: [probe.shellStep('killed'), { hang: true }] });
      const p = startCopilot({ repo: repo.dir, prompt: 'hang', standIn: s, home, cacheDir, timeoutMs: RUN_MS });
      cleanups.push(() => p.stop());
      await s.waitForMain(2, RUN_MS);
      const sid = probe.shells('killed')[0]!.env.COPILOT_AGENT_SESSION_ID!;
      expect(sid).toMatch(/^[0-9a-f-]{36}$/);
      const agent = await p.agentPid();
      // Hooks and shells are children of the platform binary, whose comm is "MainThread" (not "copilot").
      expect(probe.events('sessionStart').find((x) => x.payload.sessionId === sid)!.chain?.[0]).toEqual({ pid: agent, comm: 'MainThread' });
      expect(probe.shells('killed')[0]!.chain?.[0]).toEqual({ pid: agent, comm: 'MainThread' });
      await p.signal('SIGKILL');
      const r = await p.result;
      expect(r.signal, diag(r)).toBe('SIGKILL');
      expect(alive(agent)).toBe(false);
      await new Promise((res) => setTimeout(res, 1000));
      const mine = probe.records().filter((x) => x.payload?.sessionId === sid).map((x) => x.event);
      expect(mine).toContain('postToolUse');
      expect(mine).not.toContain('agentStop');
      expect(mine).not.toContain('sessionEnd');
    },
    TIMEOUT,
  );
});
