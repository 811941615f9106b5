/**
 * sortie under the REAL OpenCode CLI, offline against the Chat Completions stand-in, installed the
 * way a user installs it: `sortie init --agent opencode` in a real repository with sortie's git
 * hooks, OpenCode then run with the project's `.opencode/` exactly as init left it (its plugin and
 * its dependency stubs; npm pointed at a dead port). The steps build on each other:
 * 1. one run proves the mission recorded at session.created, the context as a system message in
 *    every request, SORTIE_MISSION and `sortie` in the agent's shell, its own `git commit`
 *    blocked by the git hook until it claims the task, a subagent's (`task` tool) command carrying
 *    the parent's mission, compaction (a checkpoint pushed into the summary request, the context
 *    after it saying so), and the end at dispose;
 * 2. a run SIGKILLed mid-turn leaves its mission live with its claim;
 * 3. resuming the first session (`run --session`, which fires no session.created) reaps the
 *    killed mission and reopens the first one.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { alive, diag } from '../helpers/agents/common.js';
import { makeOpencodeHome, opencodeAvailability, runOpencode, startOpencode, type OpencodeHome } from '../helpers/agents/opencode.js';
import { sortieRepo, type SortieRepo } from '../helpers/agents/sortie-repo.js';
import type { StandIn } from '../helpers/stand-in/core.js';
import { startOpenAiChat } from '../helpers/stand-in/openai-chat.js';

const TIMEOUT = 240_000;
const RUN_MS = 150_000;
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

const systemTexts = (body: any): string[] => (Array.isArray(body?.messages) ? body.messages : []).filter((m: any) => m?.role === 'system').map((m: any) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content)));
/** The tool results every request reported back (deduplicated: each request repeats the history). */
const toolOutputs = (s: StandIn): string[] => [
  ...new Set(s.requests.flatMap((q) => (Array.isArray(q.body?.messages) ? q.body.messages : []).filter((m: any) => m?.role === 'tool').map((m: any) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content))))),
];

describe.skipIf(!opencode.ok)(`sortie under real OpenCode ${opencode.version ?? `(skipped: ${opencode.reason})`}`, () => {
  let home: OpencodeHome;
  let fx: SortieRepo;
  let first: { id: number; codename: string; sid: string };
  let victim: { id: number; codename: string };

  test(
    'installed with init: the mission, its context in every request, its shell, its commit blocked then allowed after its own claim, a subagent, compaction, dispose',
    async () => {
      home = makeOpencodeHome();
      cleanups.push(() => home.cleanup());
      fx = sortieRepo('opencode-sortie', 'opencode', home.env);
      cleanups.push(() => fx.repo.cleanup());
      const { repo, shim } = fx;
      const dot = join(repo.dir, '.opencode');
      const stubs = Object.fromEntries(['package.json', 'package-lock.json', '.gitignore'].map((f) => [f, readFileSync(join(dot, f), 'utf8')]));
      // Only the plugin is committed: OpenCode's own .gitignore (written by init) keeps the stubs out.
      expect(repo.git('ls-files', '.opencode')).toBe('.opencode/plugins/sortie.js');

      const s = await standIn({
        script: [
          { shell: 'echo "mission=$SORTIE_MISSION"; command -v sortie', description: 'who am I' },
          { shell: 'git commit -am "TASK-1 login form"', description: 'commit' },
          { shell: 'sortie task claim TASK-1', description: 'claim' },
          { shell: 'git commit -am "TASK-1 login form"', description: 'commit again' },
          { tool: 'task', args: { description: 'sub step', prompt: 'run the sub step', subagent_type: 'general' } },
          // The subagent's own requests (it is offered the tools, not `task`).
          { shell: 'echo "sub mission=$SORTIE_MISSION"', description: 'sub' },
          { text: 'sub done' },
          // Nearly all of the 3000-token context used: OpenCode compacts after this step.
          { shell: 'echo after-sub', description: 'after', prompt_tokens: 2990 },
          { text: 'done' },
        ],
      });
      const r = await runOpencode({ repo: repo.dir, prompt: 'commit the login form', standIn: s, home, contextLimit: 3000, outputLimit: 200, stubProject: false, timeoutMs: RUN_MS });
      const d = diag(r);
      expect(r.code, d).toBe(0);

      // Offline: the stubs init wrote held; OpenCode installed nothing and rewrote nothing.
      expect(readdirSync(join(dot, 'node_modules'))).toEqual([]);
      for (const [f, text] of Object.entries(stubs)) expect(readFileSync(join(dot, f), 'utf8'), f).toBe(text);

      // (a) one mission (the subagent made none), closed at dispose; its agent process was opencode.
      const [m, ...others] = fx.missions();
      expect(others, d).toEqual([]);
      expect(m).toMatchObject({ agent: 'opencode', end_reason: 'exit', pid: r.pid });
      const sid = m!.session_id!;
      expect(sid).toMatch(/^ses_/);
      first = { id: m!.id, codename: m!.codename, sid };

      // (b) the context: a system message of every request, the subagent's included.
      const main = s.mainRequests();
      const who = `you are mission #${m!.id} "${m!.codename}" (opencode)`;
      for (const q of main) expect(systemTexts(q.body).some((t) => t.includes(who)), `request ${q.n}`).toBe(true);
      expect(systemTexts(main[0]!.body).join('\n')).toContain('- TASK-1 Login form [high]');
      expect(systemTexts(main[0]!.body).join('\n')).toContain('`sortie task claim <ID>`');

      // (c) shell.env: the mission and the shim on PATH.
      const outputs = toolOutputs(s);
      expect(outputs[0], d).toContain(`mission=${m!.id}\n${shim}`);
      // (d) its own commit, blocked by sortie's commit-msg hook, then its claim, then the commit.
      expect(outputs[1]).toContain('sortie: commit blocked (commit-msg)');
      expect(outputs[2]).toContain(`claimed TASK-1 for ${m!.codename} (opencode, mission #${m!.id})`);
      expect(outputs[3]).toContain('TASK-1 login form');
      expect(outputs[3]).not.toContain('blocked');
      expect(repo.git('log', '--format=%s', '-3').split('\n')).toEqual(['TASK-1 login form', 'a file to change', 'set up sortie and two tasks']);
      expect(fx.commits().filter((c) => c.subject === 'TASK-1 login form')).toEqual([{ sha: repo.git('rev-parse', 'HEAD'), mission_id: m!.id, subject: 'TASK-1 login form', tasks: '["TASK-1"]' }]);
      expect(fx.activity('commit.blocked')).toEqual([{ mission_id: m!.id, task_id: 'TASK-1', detail: expect.stringContaining('"hook":"commit-msg"') }]);
      // (e) the subagent's shell carries its parent's mission.
      expect(outputs.some((o) => o.includes(`sub mission=${m!.id}`)), d).toBe(true);
      const subRequests = main.filter((q) => (q.body?.messages ?? []).some((x: any) => x?.role === 'user' && JSON.stringify(x.content).includes('run the sub step')));
      expect(subRequests.length, d).toBeGreaterThan(0);
      for (const q of subRequests) expect(systemTexts(q.body).some((t) => t.includes(who))).toBe(true);

      // (f) compaction: the checkpoint went into the summary request; the next request's context says it.
      const summary = r.requests.findIndex((q) => q.kind === 'summary');
      expect(summary, d).toBeGreaterThan(0);
      expect(r.requests[summary]!.raw).toContain(`sortie: mission #${m!.id} \\"${m!.codename}\\" (opencode) holds TASK-1.`);
      expect(m!.checkpoint).not.toBeNull();
      const after = r.requests.slice(summary + 1).find((q) => q.main)!;
      const afterContext = systemTexts(after.body).find((t) => t.includes(who));
      expect(afterContext, d).toContain('Session compact');
      expect(afterContext).toContain('Checkpoint before compaction');
      expect(afterContext).toContain('TASK-1 Login form (UNDERWAY), yours since');

      // (g) the end released the claim.
      expect(fx.claims('TASK-1')).toEqual([{ mission_id: m!.id, released_at: m!.ended_at, release_reason: 'mission-ended' }]);
    },
    TIMEOUT,
  );

  test(
    'a run SIGKILLed mid-turn leaves its mission live with its claim (nothing fires)',
    async () => {
      const { repo } = fx;
      const s = await standIn({ script: [{ shell: 'sortie task claim TASK-2' }, { hang: true }] });
      const p = startOpencode({ repo: repo.dir, prompt: 'take the cookie task', standIn: s, home, stubProject: false, timeoutMs: RUN_MS });
      cleanups.push(() => p.stop());
      await s.waitForMain(2, RUN_MS);
      const agent = await p.agentPid();
      const m = fx.missions().at(-1)!;
      expect(m).toMatchObject({ agent: 'opencode', ended_at: null, pid: agent });
      expect(fx.claims('TASK-2')).toEqual([{ mission_id: m.id, released_at: null, release_reason: null }]);
      victim = { id: m.id, codename: m.codename };
      await p.signal('SIGKILL');
      const killed = await p.result;
      expect(killed.signal, diag(killed)).toBe('SIGKILL');
      expect(alive(agent)).toBe(false);
      expect(fx.missions().at(-1)).toMatchObject({ id: m.id, ended_at: null });
    },
    TIMEOUT,
  );

  test(
    'resuming the first session (no session.created): the killed mission is reaped, the first one reopened, its shell acting as it again',
    async () => {
      const { repo } = fx;
      const s = await standIn({ script: [{ shell: 'echo "resumed=$SORTIE_MISSION"' }, { text: 'done' }] });
      const r = await runOpencode({ repo: repo.dir, prompt: 'what is waiting?', standIn: s, home, resume: first.sid, stubProject: false, timeoutMs: RUN_MS });
      const d = diag(r);
      expect(r.code, d).toBe(0);
      const ms = fx.missions();
      expect(ms.map((m) => m.id)).toEqual([first.id, victim.id]);
      expect(ms[1]).toMatchObject({ end_reason: 'abandoned', summary: 'abandoned (agent process gone)' });
      expect(fx.claims('TASK-2')).toEqual([{ mission_id: victim.id, released_at: ms[1]!.ended_at, release_reason: 'reaped' }]);
      // The first mission was reopened for the resumed session, then closed again at dispose.
      expect(ms[0]).toMatchObject({ session_id: first.sid, end_reason: 'exit', pid: r.pid });
      expect(toolOutputs(s)[0], d).toContain(`resumed=${first.id}`);
      const context = systemTexts(s.mainRequests()[0]!.body).find((t) => t.includes(`you are mission #${first.id}`));
      expect(context, d).toContain('Session resume');
      expect(context).toContain(`${victim.codename} (opencode) was found dead and closed; its tasks TASK-2 are waiting for pickup`);
    },
    TIMEOUT,
  );
});
