/**
 * sortie under the REAL pi coding agent, offline against the Chat Completions stand-in, installed
 * the way a user installs it: `sortie init --agent pi` in a real repository with sortie's git
 * hooks (the extension `.pi/extensions/sortie.ts`, loaded by pi's jiti). The steps build on each
 * other:
 * 1. a `-p` run: the mission recorded at session_start, the context at the end of the system
 *    prompt of every request, SORTIE_MISSION and `sortie` in its bash tool, its own `git commit`
 *    blocked by the git hook until it claims the task, the end at session_shutdown;
 * 2. `--continue` in rpc mode (pi says "startup" again): the same mission reopened; it claims a
 *    task; `compact` takes a checkpoint and the next prompt's context says so; `new_session` (pi's
 *    /new) ends the mission and starts one that inherits its claim;
 * 3. a run SIGKILLed mid-turn, reaped by the next start.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { alive, diag } from '../helpers/agents/common.js';
import { makePiHome, piAvailability, piRpc, runPi, startPi, type PiHome } from '../helpers/agents/pi.js';
import { sortieRepo, type SortieRepo } from '../helpers/agents/sortie-repo.js';
import type { StandIn } from '../helpers/stand-in/core.js';
import { startOpenAiChat } from '../helpers/stand-in/openai-chat.js';

const TIMEOUT = 240_000;
const RUN_MS = 150_000;
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

const systemText = (body: any): string => {
  const m = (Array.isArray(body?.messages) ? body.messages : []).find((x: any) => x?.role === 'system');
  return typeof m?.content === 'string' ? m.content : '';
};
/** The tool results every request reported back, in order, each once. */
const toolOutputs = (s: StandIn): string[] => [
  ...new Set(s.requests.flatMap((q) => (Array.isArray(q.body?.messages) ? q.body.messages : []).filter((m: any) => m?.role === 'tool').map((m: any) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content))))),
];

describe.skipIf(!pi.ok)(`sortie under real pi ${pi.version ?? `(skipped: ${pi.reason})`}`, () => {
  let home: PiHome;
  let fx: SortieRepo;
  let first: { id: number; codename: string; sid: string };

  test(
    'installed with init: the mission, its context in every request, its bash, its commit blocked then allowed after its own claim, session_shutdown',
    async () => {
      home = makePiHome();
      cleanups.push(() => home.cleanup());
      fx = sortieRepo('pi-sortie', 'pi', home.env);
      cleanups.push(() => fx.repo.cleanup());
      const { repo, shim } = fx;
      expect(repo.git('ls-files', '.pi')).toBe('.pi/extensions/sortie.ts');
      const s = await standIn({
        script: [
          { shell: 'echo "mission=$SORTIE_MISSION"; command -v sortie' },
          'git commit -am "TASK-1 login form"',
          'sortie task claim TASK-1',
          'git commit -am "TASK-1 login form"',
          { text: 'done' },
        ],
      });
      const r = await runPi({ repo: repo.dir, prompt: 'commit the login form', standIn: s, home, timeoutMs: RUN_MS });
      const d = diag(r);
      expect(r.code, d).toBe(0);

      // (a) one mission, closed at session_shutdown (reason quit); pi's process was its agent.
      const [m, ...others] = fx.missions();
      expect(others, d).toEqual([]);
      expect(m).toMatchObject({ agent: 'pi', end_reason: 'quit', pid: r.pid });
      expect(m!.session_id).toMatch(/^[0-9a-f-]{36}$/);
      first = { id: m!.id, codename: m!.codename, sid: m!.session_id! };

      // (b) the context ends the system prompt of every request of the prompt.
      const who = `you are mission #${m!.id} "${m!.codename}" (pi)`;
      for (const q of s.mainRequests()) expect(systemText(q.body), `request ${q.n}`).toContain(who);
      expect(systemText(s.mainRequests()[0]!.body)).toContain('- TASK-1 Login form [high]');

      // (c) the spawnHook bash: the mission and the shim on PATH.
      const outputs = toolOutputs(s);
      expect(outputs[0], d).toContain(`mission=${m!.id}\n${shim}`);
      // (d) its own commit, blocked by sortie's commit-msg hook, then its claim, then the commit.
      expect(outputs[1]).toContain('sortie: commit blocked (commit-msg)');
      expect(outputs[2]).toContain(`claimed TASK-1 for ${m!.codename} (pi, mission #${m!.id})`);
      expect(outputs[3]).toContain('TASK-1 login form');
      expect(outputs[3]).not.toContain('blocked');
      expect(repo.git('log', '--format=%s', '-3').split('\n')).toEqual(['TASK-1 login form', 'a file to change', 'set up sortie and two tasks']);
      expect(fx.commits().filter((c) => c.subject === 'TASK-1 login form')).toEqual([{ sha: repo.git('rev-parse', 'HEAD'), mission_id: m!.id, subject: 'TASK-1 login form', tasks: '["TASK-1"]' }]);
      expect(fx.activity('commit.blocked')).toEqual([{ mission_id: m!.id, task_id: 'TASK-1', detail: expect.stringContaining('"hook":"commit-msg"') }]);
      expect(fx.claims('TASK-1')).toEqual([{ mission_id: m!.id, released_at: m!.ended_at, release_reason: 'mission-ended' }]);
    },
    TIMEOUT,
  );

  test(
    '--continue (rpc): the same mission again; compact takes a checkpoint and the next prompt says so; new_session inherits the claim',
    async () => {
      const { repo } = fx;
      const s = await standIn({ script: ['sortie task claim TASK-2', { text: 'claimed' }, { text: 'after compaction' }, { text: 'new session' }] });
      const p = startPi({ repo: repo.dir, standIn: s, home, mode: 'rpc', resume: 'last', timeoutMs: RUN_MS });
      cleanups.push(() => p.stop());
      const rpc = piRpc(p);
      await rpc.command({ type: 'prompt', message: 'take the cookie task' });
      await rpc.event('agent_end', RUN_MS);
      // pi's --continue says "startup" again: sortie knows the session by its messages and reopens its mission.
      let ms = fx.missions();
      expect(ms).toHaveLength(1);
      expect(ms[0]).toMatchObject({ id: first.id, ended_at: null });
      expect(systemText(s.mainRequests()[0]!.body)).toContain('Session resume');
      expect(fx.claims('TASK-2')).toEqual([{ mission_id: first.id, released_at: null, release_reason: null }]);

      const compact = await rpc.command({ type: 'compact' }, RUN_MS);
      expect(compact.data.summary).toContain('Stand-in summary');
      expect(JSON.parse(fx.missions()[0]!.checkpoint!)).toMatchObject({ claims: ['TASK-2'] });
      const seen = rpc.messages().length;
      await rpc.command({ type: 'prompt', message: 'carry on' });
      await rpc.event('agent_end', RUN_MS, seen);
      const afterCompaction = systemText(s.mainRequests()[2]!.body);
      expect(afterCompaction).toContain(`you are mission #${first.id}`);
      expect(afterCompaction).toContain('Session compact');
      expect(afterCompaction).toContain('Checkpoint before compaction');
      expect(afterCompaction).toContain('TASK-2 Session cookie (UNDERWAY), yours since');

      // pi's /new: the session ends (reason clear) and the new one inherits its claim.
      await rpc.command({ type: 'new_session' }, RUN_MS);
      const seen2 = rpc.messages().length;
      await rpc.command({ type: 'prompt', message: 'next' });
      await rpc.event('agent_end', RUN_MS, seen2);
      p.child.stdin!.end();
      const r = await p.result;
      expect(r.code, diag(r)).toBe(0);
      ms = fx.missions();
      expect(ms).toHaveLength(2);
      expect(ms[0]).toMatchObject({ id: first.id, end_reason: 'clear' });
      expect(ms[1]).toMatchObject({ agent: 'pi', end_reason: 'quit' });
      expect(ms[1]!.session_id).not.toBe(first.sid);
      const newContext = systemText(s.mainRequests()[3]!.body);
      expect(newContext).toContain(`you are mission #${ms[1]!.id}`);
      expect(newContext).toContain(`Inherited from ${first.codename} (before /clear): TASK-2`);
      expect(fx.claims('TASK-2').map((c) => c.mission_id)).toEqual([first.id, ms[1]!.id]);
    },
    TIMEOUT,
  );

  test(
    'a run SIGKILLed mid-turn leaves its mission live with its claim; the next run reaps it and offers the task',
    async () => {
      const { repo } = fx;
      const s = await standIn({ script: ['sortie task claim TASK-1', { hang: true }] });
      const p = startPi({ repo: repo.dir, prompt: 'take the login task', standIn: s, home, timeoutMs: RUN_MS });
      cleanups.push(() => p.stop());
      await s.waitForMain(2, RUN_MS);
      const agent = await p.agentPid();
      const victim = fx.missions().at(-1)!;
      expect(victim).toMatchObject({ agent: 'pi', ended_at: null, pid: agent });
      expect(fx.claims('TASK-1').at(-1)).toEqual({ mission_id: victim.id, released_at: null, release_reason: null });
      await p.signal('SIGKILL');
      const killed = await p.result;
      expect(killed.signal, diag(killed)).toBe('SIGKILL');
      expect(alive(agent)).toBe(false);
      expect(fx.missions().at(-1)).toMatchObject({ id: victim.id, ended_at: null });

      const s2 = await standIn({ script: [{ text: 'nothing to do' }] });
      const r = await runPi({ repo: repo.dir, prompt: 'what is waiting?', standIn: s2, home, timeoutMs: RUN_MS });
      expect(r.code, diag(r)).toBe(0);
      const reaped = fx.missions().find((x) => x.id === victim.id)!;
      expect(reaped).toMatchObject({ end_reason: 'abandoned', summary: 'abandoned (agent process gone)' });
      expect(fx.claims('TASK-1').at(-1)).toEqual({ mission_id: victim.id, released_at: reaped.ended_at, release_reason: 'reaped' });
      expect(systemText(s2.mainRequests()[0]!.body)).toContain(`${victim.codename} (pi) was found dead and closed; its tasks TASK-1 are waiting for pickup`);
    },
    TIMEOUT,
  );
});
