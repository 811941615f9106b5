/**
 * Proves the harness drives the REAL Codex CLI offline against the Responses stand-in, with a
 * probe hook on every event (independent of sortie's own code): both trust gates, context into
 * the model, per-turn events, CODEX_THREAD_ID in the agent's shell, compaction, resume, the end
 * event, and none of it after SIGKILL. See test/helpers/agents/AGENTS-HARNESS.md.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { alive, diag, type AgentProcess } from '../helpers/agents/common.js';
import { CODEX_EVENTS, codexAvailability, listCodexHooks, makeCodexHome, runCodex, startCodex, trustCodexHooks, writeCodexHooks, type CodexHome } from '../helpers/agents/codex.js';
import { COMMIT_STEP, makeProbe, marker, type Probe } from '../helpers/agents/probe.js';
import { makeRepo, type TempRepo } from '../helpers/repo.js';
import { startOpenAiResponses } from '../helpers/stand-in/openai-responses.js';
import type { StandIn } from '../helpers/stand-in/core.js';

const TIMEOUT = 180_000;
const RUN_MS = 120_000;
const codex = codexAvailability();

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function standIn(...args: Parameters<typeof startOpenAiResponses>): Promise<StandIn> {
  const s = await startOpenAiResponses(...args);
  cleanups.push(() => s.close());
  return s;
}

function fixture(): { repo: TempRepo; probe: Probe; home: CodexHome } {
  const repo = makeRepo({ name: 'codex-harness' });
  const probe = makeProbe();
  const home = makeCodexHome();
  cleanups.push(() => repo.cleanup(), () => probe.cleanup(), () => home.cleanup());
  writeCodexHooks(repo.dir, Object.fromEntries(CODEX_EVENTS.map((e) => [e, probe.hookCommand('codex', e)])));
  probe.gitHook(repo.dir);
  return { repo, probe, home };
}

/** The `input` message texts of a Responses request. */
const inputTexts = (body: any): { role: string; text: string }[] =>
  (Array.isArray(body?.input) ? body.input : []).filter((i: any) => i?.type === 'message').map((i: any) => ({ role: i.role, text: (i.content ?? []).map((c: any) => c?.text ?? '').join('') }));

describe.skipIf(!codex.ok)(`real Codex ${codex.version ?? `(skipped: ${codex.reason})`} against the Responses stand-in`, () => {
  test(
    'trust gates: project hooks stay silent until the project and each hook are trusted; hooks/list + config/batchWrite trust them',
    async () => {
      const { repo, probe, home } = fixture();
      const s = await standIn({ script: [{ text: 'done' }] });
      // Before anything is trusted, Codex does not even list the project's hooks.
      expect(await listCodexHooks(home, repo.dir)).toEqual([]);

      // --trust alone (the project gate) is not enough: every hook still needs its own trust. Silent.
      const r = await runCodex({ repo: repo.dir, prompt: 'hello', standIn: s, home, trust: true, timeoutMs: RUN_MS });
      expect(r.code, diag(r)).toBe(0);
      expect(probe.records()).toEqual([]);
      expect(r.stderr).not.toContain('hook: SessionStart');
      const listed = await listCodexHooks(home, repo.dir);
      expect(listed.map((h) => h.eventName).sort()).toEqual(CODEX_EVENTS.map((e) => e[0]!.toLowerCase() + e.slice(1)).sort());
      for (const h of listed) {
        expect(h).toMatchObject({ source: 'project', trustStatus: 'untrusted', sourcePath: `${repo.dir}/.codex/hooks.json` });
        expect(h.key).toMatch(new RegExp(`^${repo.dir}/\\.codex/hooks\\.json:[a-z_]+:0:0$`));
        expect(h.currentHash).toMatch(/^sha256:[0-9a-f]{64}$/);
      }

      // What `sortie init` can offer: write each hook's current hash through Codex's own config writer.
      const trusted = await trustCodexHooks(home, repo.dir);
      expect(trusted.map((h) => h.trustStatus)).toEqual(listed.map(() => 'trusted'));
      const toml = readFileSync(path.join(home.codexHome, 'config.toml'), 'utf8');
      expect(toml).toContain(`[hooks.state."${repo.dir}/.codex/hooks.json:session_start:0:0"]`);
      expect(toml).toContain(`trusted_hash = "${listed.find((h) => h.eventName === 'sessionStart')!.currentHash}"`);

      const r2 = await runCodex({ repo: repo.dir, prompt: 'hello again', standIn: s, home, timeoutMs: RUN_MS });
      expect(r2.code, diag(r2)).toBe(0);
      expect(probe.events('SessionStart'), diag(r2)).toHaveLength(1);
      expect(probe.events('SessionEnd')).toHaveLength(1);
    },
    TIMEOUT,
  );

  describe('with the project and its hooks trusted', () => {
    let fx: ReturnType<typeof fixture>;
    beforeAll(async () => {
      fx = fixture();
      await trustCodexHooks(fx.home, fx.repo.dir);
    }, TIMEOUT);

    test(
      'a run: start context reaches the model, turn events fire, the shell and git hooks see CODEX_THREAD_ID, compaction, end; resume keeps the id',
      async () => {
        const { repo, probe, home } = fx;
        const s = await standIn({ script: [{ shell: probe.shellStep('one'), prompt_tokens: 50_000 }, COMMIT_STEP, { text: 'done one' }] });
        const r = await runCodex({ repo: repo.dir, prompt: 'first prompt', standIn: s, home, autoCompactTokenLimit: 10_000, timeoutMs: RUN_MS });
        const d = diag(r, { probe: probe.records().map((x) => x.event) });
        expect(r.code, d).toBe(0);
        expect(r.stdout).toContain('done one');

        const [start] = probe.events('SessionStart');
        expect(start?.payload, d).toMatchObject({ hook_event_name: 'SessionStart', source: 'startup', cwd: repo.dir, model: 'gpt-5-codex' });
        const sid: string = start!.payload.session_id;
        expect(sid).toMatch(/^[0-9a-f-]{36}$/);
        expect(start!.payload.transcript_path).toContain(`${home.codexHome}/sessions/`);
        expect(start!.env).not.toHaveProperty('CODEX_THREAD_ID'); // only stdin carries the id in hooks

        // Context: a developer message in the request after SessionStart.
        const main = r.requests.filter((q) => q.main);
        expect(inputTexts(main[0]!.body)).toContainEqual({ role: 'developer', text: marker('codex', sid) });

        // Per-turn and tool events, all with the session id.
        expect(probe.events('UserPromptSubmit').map((e) => e.payload)).toEqual([expect.objectContaining({ session_id: sid, prompt: 'first prompt' })]);
        expect(probe.events('PreToolUse')[0]?.payload).toMatchObject({ session_id: sid, tool_name: 'Bash', tool_input: { command: probe.shellStep('one') } });
        expect(probe.events('PostToolUse')[0]?.payload).toMatchObject({ session_id: sid, tool_response: expect.stringContaining('probe shell one ok') });
        expect(probe.events('Stop').map((e) => e.payload)).toEqual([expect.objectContaining({ session_id: sid, stop_hook_active: false, last_assistant_message: 'done one' })]);

        // The shell command ran in the repo and carries the session identity natively.
        const [shell] = probe.shells('one');
        expect(shell).toMatchObject({ cwd: repo.dir, env: { CODEX_THREAD_ID: sid, CODEX_SESSION_ID: sid } });
        // The agent's own `git commit` runs the repo's git hooks, which see the identity too.
        expect(repo.git('log', '-1', '--format=%s')).toBe('probe commit');
        expect(probe.shells('git-commit-msg')[0]).toMatchObject({ cwd: repo.dir, env: { CODEX_THREAD_ID: sid } });

        // Compaction (usage over model_auto_compact_token_limit): PreCompact, PostCompact, SessionStart source compact.
        const summary = r.requests.find((q) => q.kind === 'summary');
        expect(summary?.raw, d).toContain('CONTEXT CHECKPOINT COMPACTION');
        expect(probe.events('PreCompact').map((e) => e.payload)).toEqual([expect.objectContaining({ session_id: sid, trigger: 'auto' })]);
        expect(probe.events('PostCompact').map((e) => e.payload)).toEqual([expect.objectContaining({ session_id: sid, trigger: 'auto' })]);
        const order = probe.records().map((x) => (x.kind === 'shell' ? 'shell' : `${x.event}${x.payload?.source ? `:${x.payload.source}` : ''}`));
        expect(order).toEqual(['SessionStart:startup', 'UserPromptSubmit', 'PreToolUse', 'shell', 'PostToolUse', 'PreCompact', 'PostCompact', 'SessionStart:compact', 'PreToolUse', 'shell', 'PostToolUse', 'Stop', 'SessionEnd']);
        expect(inputTexts(main[1]!.body).filter((m) => m.role === 'developer' && m.text === marker('codex', sid)).length).toBeGreaterThan(0);
        expect(probe.events('SessionEnd').map((e) => e.payload)).toEqual([expect.objectContaining({ session_id: sid, reason: 'other' })]);

        // Resume: SessionStart source resume with the same id; its context reaches the model again.
        const s2 = await standIn({ script: [probe.shellStep('two')] });
        const before = probe.records().length;
        const r2 = await runCodex({ repo: repo.dir, prompt: 'second prompt', standIn: s2, home, resume: sid, timeoutMs: RUN_MS });
        expect(r2.code, diag(r2)).toBe(0);
        const later = probe.records().slice(before);
        expect(later.find((x) => x.event === 'SessionStart')?.payload).toMatchObject({ session_id: sid, source: 'resume' });
        expect(later.find((x) => x.kind === 'shell')?.env.CODEX_THREAD_ID).toBe(sid);
        expect(later.find((x) => x.event === 'SessionEnd')?.payload).toMatchObject({ session_id: sid, reason: 'other' });
        expect(s2.mainRequests()[0]!.raw).toContain(marker('codex', sid));
      },
      TIMEOUT,
    );

    test(
      'SIGKILL of the native binary (not the npm launcher) mid-turn: no Stop, no SessionEnd',
      async () => {
        const { repo, probe, home } = fx;
        const s = await standIn({ script: [probe.shellStep('killed'), { hang: true }] });
        const p: AgentProcess = startCodex({ repo: repo.dir, prompt: 'hang', standIn: s, home, timeoutMs: RUN_MS });
        cleanups.push(() => p.stop());
        await s.waitForMain(2, RUN_MS);
        const agent = await p.agentPid();
        // On Node < 22 the launcher spawns the binary; on Node >= 22 it execve()s into it (same pid).
        if (typeof (process as any).execve !== 'function') expect(agent).not.toBe(p.child.pid);
        const sid: string = probe.shells('killed')[0]!.env.CODEX_THREAD_ID!;
        expect(sid).toMatch(/^[0-9a-f-]{36}$/);
        // Hooks and shell commands are children of the native binary: the process to watch for reaping.
        const start = probe.events('SessionStart').find((x) => x.payload.session_id === sid)!;
        expect(start.chain?.[0]).toEqual({ pid: agent, comm: 'codex' });
        expect(probe.shells('killed')[0]!.chain?.[0]).toEqual({ pid: agent, comm: 'codex' });
        await p.signal('SIGKILL');
        const r = await p.result;
        expect(r.signal ?? r.code, diag(r)).toBe('SIGKILL');
        expect(alive(agent)).toBe(false);
        await new Promise((res) => setTimeout(res, 1000));
        const mine = probe.records().filter((x) => x.payload?.session_id === sid);
        expect(mine.map((x) => x.event)).toEqual(['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'PostToolUse']);
      },
      TIMEOUT,
    );
  });
});
