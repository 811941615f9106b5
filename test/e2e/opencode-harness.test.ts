/**
 * Proves the harness drives the REAL OpenCode CLI offline against the Chat Completions stand-in,
 * with a probe project plugin (independent of sortie's own code): no start-up npm install,
 * context into the model as a system message, per-turn events, `shell.env` giving the shell the
 * session id, compaction, the end (`dispose`), resume, and nothing after SIGKILL.
 * See test/helpers/agents/AGENTS-HARNESS.md.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { alive, diag } from '../helpers/agents/common.js';
import { makeOpencodeHome, opencodeAvailability, runOpencode, startOpencode, writeOpencodeProbe } from '../helpers/agents/opencode.js';
import { COMMIT_STEP, makeProbe, marker } from '../helpers/agents/probe.js';
import { makeRepo } from '../helpers/repo.js';
import type { StandIn } from '../helpers/stand-in/core.js';
import { startOpenAiChat } from '../helpers/stand-in/openai-chat.js';

const TIMEOUT = 180_000;
const RUN_MS = 120_000;
const opencode = opencodeAvailability();

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
  const repo = makeRepo({ name: 'opencode-harness' });
  const probe = makeProbe();
  const home = makeOpencodeHome();
  cleanups.push(() => repo.cleanup(), () => probe.cleanup(), () => home.cleanup());
  writeOpencodeProbe(repo.dir, probe);
  probe.gitHook(repo.dir);
  return { repo, probe, home };
}

const systemTexts = (body: any): string[] => (Array.isArray(body?.messages) ? body.messages : []).filter((m: any) => m?.role === 'system').map((m: any) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content)));

describe.skipIf(!opencode.ok)(`real OpenCode ${opencode.version ?? `(skipped: ${opencode.reason})`} against the Chat Completions stand-in`, () => {
  let fx: ReturnType<typeof fixture>;
  beforeAll(() => {
    fx = fixture();
  });

  test(
    'a run: the plugin loads with no install, context reaches the model, shell.env puts the session id in the shell, compaction, dispose; resume',
    async () => {
      const { repo, probe, home } = fx;
      // A small context and a step reporting nearly all of it used: OpenCode compacts after that step.
      const s = await standIn({ script: [{ shell: probe.shellStep('one'), prompt_tokens: 2990 }, probe.shellStep('two'), COMMIT_STEP, { text: 'done two' }] });
      const r = await runOpencode({ repo: repo.dir, prompt: 'first prompt', standIn: s, home, contextLimit: 3000, outputLimit: 200, timeoutMs: RUN_MS });
      const d = diag(r, { probe: probe.records().map((x) => x.event) });
      expect(r.code, d).toBe(0);
      expect(r.stdout).toContain('done two');
      // The dependency stubs held: nothing was installed into the project's .opencode/.
      expect(readdirSync(path.join(repo.dir, '.opencode', 'node_modules'))).toEqual([]);

      const created = probe.events('event:session.created');
      expect(created, d).toHaveLength(1);
      const sid: string = created[0]!.payload.sessionID;
      expect(sid).toMatch(/^ses_/);
      expect(created[0]!.payload.info).toMatchObject({ id: sid, directory: repo.dir });
      expect(created[0]!.payload.info.parentID).toBeUndefined();
      expect(created[0]!.env).toMatchObject({ OPENCODE: '1', OPENCODE_PID: String(r.pid) });

      // Context: experimental.chat.system.transform → an extra system message in every request, title included.
      const title = r.requests.find((q) => q.kind === 'title');
      expect(systemTexts(title?.body)).toContain(marker('opencode', sid));
      for (const q of r.requests.filter((x) => x.main)) expect(systemTexts(q.body)).toContain(marker('opencode', sid));

      // The shell: OPENCODE_PID natively, the session id through shell.env.
      expect(probe.events('shell.env')[0]?.payload).toMatchObject({ sessionID: sid, cwd: repo.dir });
      for (const label of ['one', 'two']) expect(probe.shells(label)[0], label).toMatchObject({ cwd: repo.dir, env: { SORTIE_PROBE_SESSION: sid, OPENCODE_PID: String(r.pid), AGENT: '1' } });
      // The agent's `git commit` runs git hooks, which inherit the shell.env variables.
      expect(repo.git('log', '-1', '--format=%s')).toBe('probe commit');
      expect(probe.shells('git-commit-msg')[0]).toMatchObject({ cwd: repo.dir, env: { SORTIE_PROBE_SESSION: sid, OPENCODE_PID: String(r.pid) } });

      // Compaction: the hook's context went into the summary request; then session.compacted.
      expect(probe.events('experimental.session.compacting').map((e) => e.payload)).toEqual([{ sessionID: sid }]);
      const summary = r.requests.filter((q) => q.kind === 'summary');
      expect(summary, d).toHaveLength(1);
      expect(summary[0]!.raw).toContain(`SORTIE-PROBE-COMPACT opencode ${sid}`);
      expect(probe.events('event:session.compacted').map((e) => e.payload)).toEqual([{ sessionID: sid }]);

      // Turn end, then the only end signal: dispose (no session.deleted).
      expect(probe.events('event:session.idle').map((e) => e.payload.sessionID)).toEqual([sid]);
      const order = probe.records().map((x) => x.event);
      expect(order.slice(-2)).toEqual(['event:session.idle', 'dispose']);
      expect(order).not.toContain('event:session.deleted');

      // Resume (--session): no session.created, but the same id reaches the plugin and the shell.
      const s2 = await standIn({ script: [probe.shellStep('three')] });
      const before = probe.records().length;
      const r2 = await runOpencode({ repo: repo.dir, prompt: 'second prompt', standIn: s2, home, resume: sid, timeoutMs: RUN_MS });
      expect(r2.code, diag(r2)).toBe(0);
      const later = probe.records().slice(before);
      expect(later.map((x) => x.event)).not.toContain('event:session.created');
      expect(later.find((x) => x.kind === 'shell')?.env.SORTIE_PROBE_SESSION).toBe(sid);
      expect(systemTexts(s2.mainRequests()[0]!.body)).toContain(marker('opencode', sid));
      expect(later.map((x) => x.event).slice(-1)).toEqual(['dispose']);
    },
    TIMEOUT,
  );

  test(
    'SIGKILL mid-turn: no session.idle, no dispose',
    async () => {
      const { repo, probe, home } = fx;
      const s = await standIn({ script: [probe.shellStep('killed'), { hang: true }] });
      const p = startOpencode({ repo: repo.dir, prompt: 'hang', standIn: s, home, timeoutMs: RUN_MS });
      cleanups.push(() => p.stop());
      await s.waitForMain(2, RUN_MS);
      const sid = probe.shells('killed')[0]!.env.SORTIE_PROBE_SESSION!;
      const before = probe.records().length;
      const agent = await p.agentPid();
      // The plugin runs inside the opencode process; shell commands are its children.
      expect(probe.events('shell.env').at(-1)!.pid).toBe(agent);
      expect(probe.shells('killed')[0]!.chain?.[0]).toEqual({ pid: agent, comm: 'opencode' });
      await p.signal('SIGKILL');
      const r = await p.result;
      expect(r.signal, diag(r)).toBe('SIGKILL');
      expect(alive(agent)).toBe(false);
      await new Promise((res) => setTimeout(res, 1000));
      expect(probe.records().slice(before)).toEqual([]);
      expect(probe.records().filter((x) => x.event === 'event:session.idle' && x.payload.sessionID === sid)).toEqual([]);
    },
    TIMEOUT,
  );
});
