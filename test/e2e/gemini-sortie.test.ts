/**
 * sortie's hooks under the REAL Gemini CLI, offline against the Gemini stand-in, installed the
 * way a user installs them: `sortie init --agent gemini-cli --trust` in a real repository with
 * sortie's git hooks, Gemini then run WITHOUT GEMINI_CLI_TRUST_WORKSPACE (the folder is trusted
 * through the trustedFolders.json init wrote). Gemini's shell disables git hooks, so the commit
 * guard lives in BeforeTool: the agent's own `git commit` is denied with the guard's message,
 * then passes after its claim, and AfterTool records it. A resumed run compresses (PreCompress
 * gated on the transcript's token count); its context comes back through AfterTool. A run
 * SIGKILLed mid-turn is reaped by the next start.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { alive, diag } from '../helpers/agents/common.js';
import { geminiAvailability, makeGeminiHome, runGemini, startGemini } from '../helpers/agents/gemini.js';
import { sortieRepo, type SortieRepo } from '../helpers/agents/sortie-repo.js';
import type { Home } from '../helpers/agents/common.js';
import type { StandIn } from '../helpers/stand-in/core.js';
import { startGemini as startGeminiStandIn } from '../helpers/stand-in/gemini.js';

const TIMEOUT = 240_000;
const RUN_MS = 150_000;
const gemini = geminiAvailability();

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function standIn(...args: Parameters<typeof startGeminiStandIn>): Promise<StandIn> {
  const s = await startGeminiStandIn(...args);
  cleanups.push(() => s.close());
  return s;
}

/** The text parts of a request's user turns. */
const userTexts = (body: any): string[] =>
  (Array.isArray(body?.contents) ? body.contents : []).filter((c: any) => c?.role === 'user').flatMap((c: any) => (c.parts ?? []).map((p: any) => p?.text ?? ''));
/** The function responses (tool results) of a request, as JSON text. */
const toolResults = (body: any): string[] =>
  (Array.isArray(body?.contents) ? body.contents : []).flatMap((c: any) => (c.parts ?? []).filter((p: any) => p?.functionResponse).map((p: any) => JSON.stringify(p.functionResponse)));

describe.skipIf(!gemini.ok)(`sortie under real Gemini CLI ${gemini.version ?? `(skipped: ${gemini.reason})`}`, () => {
  let home: Home;
  let fx: SortieRepo;
  let first: { id: number; codename: string; sid: string };

  test(
    "installed with init --trust, a run is a mission: context, the mission exported into its shell, its commit denied in BeforeTool then allowed after its claim and recorded, end",
    async () => {
      home = makeGeminiHome();
      cleanups.push(() => home.cleanup());
      fx = sortieRepo('gemini-sortie', 'gemini-cli', home.env, { trust: true });
      cleanups.push(() => fx.repo.cleanup());
      expect(fx.init).toContain('Gemini CLI: trusted this folder in');
      const { repo } = fx;
      const s = await standIn({
        script: [
          { shell: 'echo "mission=$SORTIE_MISSION"; command -v sortie', description: 'who am I' },
          { shell: 'git commit -am "TASK-1 login form"', description: 'commit' },
          { shell: 'sortie task claim TASK-1', description: 'claim' },
          { shell: 'git commit -am "TASK-1 login form"', description: 'commit again' },
          { text: 'done' },
        ],
      });
      const r = await runGemini({ repo: repo.dir, prompt: 'commit the login form', standIn: s, home, trust: false, timeoutMs: RUN_MS });
      const d = diag(r);
      expect(r.code, d).toBe(0);

      // (a) one mission, closed at SessionEnd (reason exit).
      const [m, ...others] = fx.missions();
      expect(others, d).toEqual([]);
      expect(m).toMatchObject({ agent: 'gemini-cli', end_reason: 'exit' });
      first = { id: m!.id, codename: m!.codename, sid: m!.session_id! };

      // (b) the context, as a <hook_context> part of the first user turn.
      const main = s.mainRequests();
      const context = userTexts(main[0]!.body).find((t) => t.startsWith('<hook_context>'));
      expect(context, d).toContain(`you are mission #${m!.id} "${m!.codename}" (gemini-cli)`);
      expect(context).toContain('- TASK-1 Login form [high]');
      // Gemini escapes < and > in hook context (seen): the model reads `sortie task claim &lt;ID&gt;`.
      expect(context, context).toContain('`sortie task claim &lt;ID&gt;`');

      // (c) BeforeTool exported the mission and the shim into the shell.
      const results = toolResults(main.at(-1)!.body);
      expect(results[0], d).toContain(`mission=${m!.id}\\n${fx.shim}`);
      // (d) the commit denied with the guard's message, the claim by the agent itself, then the commit.
      expect(results[1]).toContain('sortie: commit blocked (commit-msg)');
      expect(results[1]).toContain('fix: sortie task claim TASK-1');
      expect(results[2]).toContain(`claimed TASK-1 for ${m!.codename} (gemini-cli, mission #${m!.id})`);
      expect(results[3]).not.toContain('blocked');
      expect(repo.git('log', '--format=%s', '-3').split('\n')).toEqual(['TASK-1 login form', 'a file to change', 'set up sortie and two tasks']);
      // No git hook ran (Gemini disables them); AfterTool queued the commit, recorded against the mission.
      expect(fx.commits().filter((c) => c.subject === 'TASK-1 login form')).toEqual([{ sha: repo.git('rev-parse', 'HEAD'), mission_id: m!.id, subject: 'TASK-1 login form', tasks: '["TASK-1"]' }]);
      expect(fx.activity('commit.blocked')).toEqual([{ mission_id: m!.id, task_id: 'TASK-1', detail: expect.stringContaining('"hook":"commit-msg"') }]);
      expect(fx.claims('TASK-1')).toEqual([{ mission_id: m!.id, released_at: m!.ended_at, release_reason: 'mission-ended' }]);
    },
    TIMEOUT,
  );

  test(
    'a run SIGKILLed mid-turn; the next start (a resume that compresses) reaps it, takes a checkpoint before compressing and gives the context back after',
    async () => {
      const { repo } = fx;
      const s = await standIn({ script: [{ shell: 'sortie task claim TASK-2' }, { hang: true }] });
      const p = startGemini({ repo: repo.dir, prompt: 'take the cookie task', standIn: s, home, trust: false, timeoutMs: RUN_MS });
      cleanups.push(() => p.stop());
      await s.waitForMain(2, RUN_MS);
      const agent = await p.agentPid();
      const victim = fx.missions().at(-1)!;
      expect(victim).toMatchObject({ agent: 'gemini-cli', ended_at: null, pid: agent });
      expect(fx.claims('TASK-2')).toEqual([{ mission_id: victim.id, released_at: null, release_reason: null }]);
      await p.signal('SIGKILL');
      const killed = await p.result;
      expect(killed.signal, diag(killed)).toBe('SIGKILL');
      expect(alive(agent)).toBe(false);

      // Resume the first session. The first answer reports 900 000 prompt tokens (over half of
      // gemini-2.5-flash's limit): Gemini compresses before the next request.
      const s2 = await standIn({ script: [{ shell: 'echo one', prompt_tokens: 900_000 }, { shell: 'echo two' }, { text: 'done' }] });
      const r = await runGemini({ repo: repo.dir, prompt: 'carry on', standIn: s2, home, trust: false, resume: first.sid, timeoutMs: RUN_MS });
      const d = diag(r);
      expect(r.code, d).toBe(0);
      const ms = fx.missions();
      // The killed mission was reaped by this start; the first mission is reopened and closed again.
      expect(ms.find((x) => x.id === victim.id)).toMatchObject({ end_reason: 'abandoned', summary: 'abandoned (agent process gone)' });
      expect(fx.claims('TASK-2').at(-1)).toMatchObject({ mission_id: victim.id, release_reason: 'reaped' });
      expect(ms.filter((x) => x.id !== victim.id && x.id !== first.id)).toEqual([]);
      const again = ms.find((x) => x.id === first.id)!;
      expect(again).toMatchObject({ end_reason: 'exit' });
      const resumeContext = userTexts(s2.mainRequests()[0]!.body).join('\n');
      expect(resumeContext).toContain(`${victim.codename} (gemini-cli) was found dead and closed; its tasks TASK-2 are waiting for pickup`);

      // Compression happened (two summary calls), after a checkpoint; the post-compaction context came back in a tool result.
      expect(r.requests.filter((q) => q.kind === 'summary').length, d).toBe(2);
      expect(again.checkpoint).not.toBeNull();
      const backAfter = s2.mainRequests().slice(1).flatMap((q) => toolResults(q.body)).find((t) => t.includes('Session compact'));
      expect(backAfter, d).toBeDefined();
      expect(backAfter).toContain(`you are mission #${first.id}`);
      expect(backAfter).toContain('Checkpoint before compaction');
    },
    TIMEOUT,
  );
});
