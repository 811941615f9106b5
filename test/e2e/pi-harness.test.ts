/**
 * Proves the harness drives the REAL pi coding agent offline against the Chat Completions
 * stand-in, with a probe project extension (independent of sortie's own code): context into the
 * system prompt, per-turn events, a spawnHook bash tool giving the shell the session id, the end
 * event, compaction through rpc mode on a continued session, and no end after SIGKILL.
 * See test/helpers/agents/AGENTS-HARNESS.md.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { alive, diag } from '../helpers/agents/common.js';
import { makePiHome, piAvailability, piRpc, runPi, startPi, writePiProbe } from '../helpers/agents/pi.js';
import { COMMIT_STEP, makeProbe, marker } from '../helpers/agents/probe.js';
import { makeRepo } from '../helpers/repo.js';
import type { StandIn } from '../helpers/stand-in/core.js';
import { startOpenAiChat } from '../helpers/stand-in/openai-chat.js';

const TIMEOUT = 180_000;
const RUN_MS = 120_000;
const pi = piAvailability();

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
  const repo = makeRepo({ name: 'pi-harness' });
  const probe = makeProbe();
  const home = makePiHome();
  cleanups.push(() => repo.cleanup(), () => probe.cleanup(), () => home.cleanup());
  writePiProbe(repo.dir, probe);
  probe.gitHook(repo.dir);
  return { repo, probe, home };
}

const systemText = (body: any): string => {
  const m = (Array.isArray(body?.messages) ? body.messages : []).find((x: any) => x?.role === 'system');
  return typeof m?.content === 'string' ? m.content : '';
};

describe.skipIf(!pi.ok)(`real pi ${pi.version ?? `(skipped: ${pi.reason})`} against the Chat Completions stand-in`, () => {
  let fx: ReturnType<typeof fixture>;
  beforeAll(() => {
    fx = fixture();
  });

  test(
    'a -p run: context reaches the system prompt, turn events fire, the spawnHook bash gives the shell the session id, session_shutdown; rpc on the continued session compacts',
    async () => {
      const { repo, probe, home } = fx;
      const s = await standIn({ script: [probe.shellStep('one'), COMMIT_STEP, { text: 'done one' }] });
      const r = await runPi({ repo: repo.dir, prompt: 'first prompt', standIn: s, home, timeoutMs: RUN_MS });
      const d = diag(r, { probe: probe.records().map((x) => x.event) });
      expect(r.code, d).toBe(0);
      expect(r.stdout).toContain('done one');

      const [start] = probe.events('session_start');
      expect(start?.payload, d).toMatchObject({ event: { type: 'session_start', reason: 'startup' }, cwd: repo.dir, hasUI: false });
      const sid: string = start!.payload.sessionId;
      expect(sid).toMatch(/^[0-9a-f-]{36}$/);
      expect(start!.payload.sessionFile).toMatch(new RegExp(`^${home.agentDir}/sessions/.*_${sid}\\.jsonl$`));
      expect(start!.env).toMatchObject({ PI_CODING_AGENT: 'true', PI_OFFLINE: '1' });

      // Context: before_agent_start's systemPrompt → the end of the system message of every request of the prompt.
      for (const q of r.requests.filter((x) => x.main)) expect(systemText(q.body).endsWith(`\n\n${marker('pi', sid)}`)).toBe(true);

      expect(probe.events('agent_start')).toHaveLength(1);
      expect(probe.events('agent_end').map((e) => e.payload.sessionId)).toEqual([sid]);
      expect(probe.events('turn_end').length).toBe(3);
      expect(probe.events('tool_call')[0]?.payload.event).toMatchObject({ toolName: 'bash', toolCallId: 'call_0' });

      // The shell: no session id of pi's own; the extension's spawnHook adds it.
      expect(probe.shells('one')[0]).toMatchObject({ cwd: repo.dir, env: { SORTIE_PROBE_SESSION: sid, PI_CODING_AGENT: 'true' } });
      // The agent's `git commit` runs git hooks, which inherit the spawnHook's variables.
      expect(repo.git('log', '-1', '--format=%s')).toBe('probe commit');
      expect(probe.shells('git-commit-msg')[0]).toMatchObject({ cwd: repo.dir, env: { SORTIE_PROBE_SESSION: sid } });
      expect(probe.events('session_shutdown').map((e) => e.payload.event)).toEqual([{ type: 'session_shutdown', reason: 'quit' }]);

      // rpc mode on the continued session (--continue): pi reports reason "startup" again, with the old id.
      const s2 = await standIn({ script: [probe.shellStep('two')] });
      const before = probe.records().length;
      const p = startPi({ repo: repo.dir, standIn: s2, home, mode: 'rpc', resume: 'last', timeoutMs: RUN_MS });
      cleanups.push(() => p.stop());
      const rpc = piRpc(p);
      await rpc.command({ type: 'prompt', message: 'second prompt' });
      await rpc.event('agent_end', RUN_MS);
      const compact = await rpc.command({ type: 'compact' }, RUN_MS);
      expect(compact.data).toMatchObject({ summary: 'Stand-in summary: the scripted steps ran.' });
      p.child.stdin!.end(); // EOF ends rpc mode
      const r2 = await p.result;
      expect(r2.code, diag(r2)).toBe(0);
      const later = probe.records().slice(before);
      expect(later.find((x) => x.event === 'session_start')?.payload).toMatchObject({ sessionId: sid, event: { reason: 'startup' }, hasUI: true });
      expect(later.find((x) => x.kind === 'shell')?.env.SORTIE_PROBE_SESSION).toBe(sid);
      expect(later.filter((x) => x.kind !== 'shell').map((x) => x.event).slice(-3)).toEqual(['session_before_compact', 'session_compact', 'session_shutdown']);
      expect(r2.requests.filter((q) => q.kind === 'summary')).toHaveLength(1);
      expect(systemText(s2.mainRequests()[0]!.body)).toContain(marker('pi', sid));
    },
    TIMEOUT,
  );

  test(
    'SIGKILL mid-turn: no agent_end, no session_shutdown',
    async () => {
      const { repo, probe, home } = fx;
      const s = await standIn({ script: [probe.shellStep('killed'), { hang: true }] });
      const p = startPi({ repo: repo.dir, prompt: 'hang', standIn: s, home, timeoutMs: RUN_MS });
      cleanups.push(() => p.stop());
      await s.waitForMain(2, RUN_MS);
      const sid = probe.shells('killed')[0]!.env.SORTIE_PROBE_SESSION!;
      const agent = await p.agentPid();
      // The extension runs inside the pi process (comm "pi"); shell commands are its children.
      expect(probe.events('session_start').at(-1)!.pid).toBe(agent);
      expect(probe.shells('killed')[0]!.chain?.[0]).toEqual({ pid: agent, comm: 'pi' });
      await p.signal('SIGKILL');
      const r = await p.result;
      expect(r.signal, diag(r)).toBe('SIGKILL');
      expect(alive(agent)).toBe(false);
      await new Promise((res) => setTimeout(res, 1000));
      const mine = probe.records().filter((x) => x.payload?.sessionId === sid).map((x) => x.event);
      expect(mine).toContain('tool_result');
      expect(mine).not.toContain('agent_end');
      expect(mine).not.toContain('session_shutdown');
    },
    TIMEOUT,
  );
});
