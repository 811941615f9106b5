/**
 * sortie's hooks under the REAL Codex CLI, offline against the Responses stand-in, installed the
 * way a user installs them: `sortie init --agent codex --trust` (the trust written through
 * Codex's own app-server) in a real repository with sortie's git hooks. One run proves most of
 * it: the mission is recorded, the model gets the context as a developer message, the agent's
 * shell acts as the mission (CODEX_THREAD_ID), its own `git commit` is blocked by the git hook
 * until it claims the task through the command the context gives it, compaction re-injects the
 * context, and SessionEnd closes the mission. A second run is SIGKILLed; the third reaps it.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { alive, diag } from '../helpers/agents/common.js';
import { codexAvailability, makeCodexHome, runCodex, startCodex, type CodexHome } from '../helpers/agents/codex.js';
import { sortieRepo, type SortieRepo } from '../helpers/agents/sortie-repo.js';
import type { StandIn } from '../helpers/stand-in/core.js';
import { startOpenAiResponses } from '../helpers/stand-in/openai-responses.js';

const TIMEOUT = 240_000;
const RUN_MS = 150_000;
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

/** The developer messages of a Responses request (where Codex puts hook context). */
const developerTexts = (body: any): string[] =>
  (Array.isArray(body?.input) ? body.input : []).filter((i: any) => i?.type === 'message' && i.role === 'developer').map((i: any) => (i.content ?? []).map((c: any) => c?.text ?? '').join(''));
/** Every output of a shell call the requests reported back (compaction drops earlier ones from later requests). */
const toolOutputs = (s: StandIn): string[] => [
  ...new Set(
    s.requests.flatMap((q) => (Array.isArray(q.body?.input) ? q.body.input : []).filter((i: any) => i?.type === 'function_call_output').map((i: any) => (typeof i.output === 'string' ? i.output : JSON.stringify(i.output)))),
  ),
];

describe.skipIf(!codex.ok)(`sortie under real Codex ${codex.version ?? `(skipped: ${codex.reason})`}`, () => {
  let home: CodexHome;
  let fx: SortieRepo;

  test(
    'installed with init --trust, a run is a mission: context, shell identity, a commit blocked then allowed after its own claim, compaction, end',
    async () => {
      home = makeCodexHome();
      cleanups.push(() => home.cleanup());
      fx = sortieRepo('codex-sortie', 'codex', home.env, { trust: true });
      cleanups.push(() => fx.repo.cleanup());
      expect(fx.init).toContain('Codex: trusted this project');
      const { repo, shim } = fx;
      const s = await standIn({
        script: [
          { shell: 'echo "thread=$CODEX_THREAD_ID mission=${SORTIE_MISSION:-none}"', prompt_tokens: 50_000 },
          'git commit -am "TASK-1 login form"',
          `${shim} task claim TASK-1 && git commit -am "TASK-1 login form"`,
          { text: 'done' },
        ],
      });
      // --trust is not passed: the project and its hooks were trusted by `sortie init --trust`.
      const r = await runCodex({ repo: repo.dir, prompt: 'commit the login form', standIn: s, home, trust: false, autoCompactTokenLimit: 10_000, timeoutMs: RUN_MS });
      const d = diag(r);
      expect(r.code, d).toBe(0);

      // (a) one mission, recorded at SessionStart, closed at SessionEnd.
      const [m, ...others] = fx.missions();
      expect(others, d).toEqual([]);
      expect(m).toMatchObject({ agent: 'codex', end_reason: 'other' });
      expect(m!.ended_at).not.toBeNull();
      const sid = m!.session_id!;
      expect(sid).toMatch(/^[0-9a-f-]{36}$/);

      // (b) the model was given the context, naming the command that runs sortie in Codex's login shell.
      const main = s.mainRequests();
      const first = developerTexts(main[0]!.body).join('\n');
      expect(first, d).toContain(`you are mission #${m!.id} "${m!.codename}" (codex)`);
      expect(first).toContain('- TASK-1 Login form [high]');
      expect(first).toContain(`Run sortie as \`${shim}\` in your shell.`);

      // (c) the shell carries the session natively (no SORTIE_MISSION), and acts as the mission.
      const all = s.allText();
      expect(all).toContain(`thread=${sid} mission=none`);
      // (d) its own commit, blocked by sortie's commit-msg hook (git hooks run under Codex), then its claim and the commit.
      expect(all).toContain('sortie: commit blocked (commit-msg)');
      expect(all).toContain(`claimed TASK-1 for ${m!.codename} (codex, mission #${m!.id})`);
      const outputs = toolOutputs(s);
      expect(outputs.filter((o) => o.includes('sortie: commit blocked (commit-msg)')), d).toHaveLength(1);
      // The fix it names runs in Codex's shell: the shim, by its path.
      expect(outputs.find((o) => o.includes('commit blocked'))).toContain(`fix: ${shim} task claim TASK-1`);
      const claimed = outputs.find((o) => o.includes('claimed TASK-1'));
      expect(claimed).toBeDefined();
      expect(claimed).not.toContain('blocked');
      expect(repo.git('log', '--format=%s', '-3').split('\n')).toEqual(['TASK-1 login form', 'a file to change', 'set up sortie and two tasks']);
      expect(fx.commits().filter((c) => c.subject === 'TASK-1 login form')).toEqual([{ sha: repo.git('rev-parse', 'HEAD'), mission_id: m!.id, subject: 'TASK-1 login form', tasks: '["TASK-1"]' }]);
      expect(fx.activity('commit.blocked')).toEqual([{ mission_id: m!.id, task_id: 'TASK-1', detail: expect.stringContaining('"hook":"commit-msg"') }]);
      expect(fx.claims('TASK-1')).toEqual([{ mission_id: m!.id, released_at: m!.ended_at, release_reason: 'mission-ended' }]);

      // (e) compaction: a checkpoint at PreCompact, then SessionStart (compact) re-injects it.
      const summary = r.requests.findIndex((q) => q.kind === 'summary');
      expect(summary, d).toBeGreaterThan(0);
      const afterCompaction = r.requests.slice(summary + 1).find((q) => q.main)!;
      expect(developerTexts(afterCompaction.body).some((t) => t.includes(`you are mission #${m!.id}`) && t.includes('Session compact') && t.includes('Checkpoint before compaction'))).toBe(true);
      expect(m!.checkpoint).not.toBeNull();
    },
    TIMEOUT,
  );

  test(
    'a run SIGKILLed mid-turn leaves its mission live with its claim; the next run reaps it and offers the task',
    async () => {
      const { repo, shim } = fx;
      const s = await standIn({ script: [`${shim} task claim TASK-2`, { hang: true }] });
      const p = startCodex({ repo: repo.dir, prompt: 'take the cookie task', standIn: s, home, trust: false, timeoutMs: RUN_MS });
      cleanups.push(() => p.stop());
      await s.waitForMain(2, RUN_MS);
      const agent = await p.agentPid();
      const victim = fx.missions().at(-1)!;
      // The recorded agent process is Codex's native binary (the hooks' parent), not its npm launcher.
      expect(victim).toMatchObject({ agent: 'codex', ended_at: null, pid: agent });
      expect(fx.claims('TASK-2')).toEqual([{ mission_id: victim.id, released_at: null, release_reason: null }]);
      await p.signal('SIGKILL');
      const killed = await p.result;
      expect(killed.signal ?? killed.code, diag(killed)).toBe('SIGKILL');
      expect(alive(agent)).toBe(false);
      expect(fx.missions().at(-1)).toMatchObject({ id: victim.id, ended_at: null });

      const s2 = await standIn({ script: [{ text: 'nothing to do' }] });
      const r = await runCodex({ repo: repo.dir, prompt: 'what is waiting?', standIn: s2, home, trust: false, timeoutMs: RUN_MS });
      expect(r.code, diag(r)).toBe(0);
      const reaped = fx.missions().find((x) => x.id === victim.id)!;
      expect(reaped).toMatchObject({ end_reason: 'abandoned', summary: 'abandoned (agent process gone)' });
      expect(fx.claims('TASK-2')).toEqual([{ mission_id: victim.id, released_at: reaped.ended_at, release_reason: 'reaped' }]);
      const context = developerTexts(s2.mainRequests()[0]!.body).join('\n');
      expect(context).toContain(`${victim.codename} (codex) was found dead and closed; its tasks TASK-2 are waiting for pickup`);
    },
    TIMEOUT,
  );
});
