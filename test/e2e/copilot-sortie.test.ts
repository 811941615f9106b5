/**
 * sortie's hooks under the REAL GitHub Copilot CLI, offline against the Chat Completions
 * stand-in, installed the way a user installs them: `sortie init --agent copilot-cli --trust` in a
 * real repository with sortie's git hooks, Copilot then run WITHOUT --trust-folder or
 * COPILOT_ALLOW_ALL (the folder is trusted through the config.json init wrote). One run: the
 * mission, the context (a user message), COPILOT_AGENT_SESSION_ID as the shell's identity, the
 * agent's own commit blocked by the git hook until its claim, compaction (which drops the context
 * with no hook after it: preToolUse brings it back), sessionEnd. A run SIGKILLed mid-turn is
 * reaped by the next start.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { alive, diag } from '../helpers/agents/common.js';
import { copilotAvailability, makeCopilotCache, makeCopilotHome, runCopilot, startCopilot, type CopilotHome } from '../helpers/agents/copilot.js';
import { sortieRepo, type SortieRepo } from '../helpers/agents/sortie-repo.js';
import type { StandIn } from '../helpers/stand-in/core.js';
import { startOpenAiChat } from '../helpers/stand-in/openai-chat.js';

const TIMEOUT = 240_000;
const RUN_MS = 150_000;
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

const messages = (body: any): { role: string; text: string }[] =>
  (Array.isArray(body?.messages) ? body.messages : []).map((m: any) => ({ role: m.role, text: typeof m.content === 'string' ? m.content : (m.content ?? []).map((p: any) => p?.text ?? '').join('') }));
/** Every tool result the requests reported back. */
const toolResults = (s: StandIn): string[] => [...new Set(s.requests.flatMap((q) => messages(q.body).filter((m) => m.role === 'tool').map((m) => m.text)))];

describe.skipIf(!copilot.ok)(`sortie under real Copilot CLI ${copilot.version ?? `(skipped: ${copilot.reason})`}`, () => {
  let home: CopilotHome;
  let cacheDir: string;
  let fx: SortieRepo;

  test(
    'installed with init --trust, a run is a mission: context, shell identity, a commit blocked then allowed after its own claim, compaction, end',
    async () => {
      home = makeCopilotHome();
      const cache = makeCopilotCache();
      cacheDir = cache.dir;
      cleanups.push(() => home.cleanup(), () => cache.cleanup());
      fx = sortieRepo('copilot-sortie', 'copilot-cli', home.env, { trust: true });
      cleanups.push(() => fx.repo.cleanup());
      expect(fx.init).toContain('Copilot CLI: trusted this folder in');
      const { repo, shim } = fx;
      // 29 500 prompt tokens against a 30 000 budget after the first step: Copilot compacts.
      const s = await standIn({
        script: [
          { shell: 'echo "session=$COPILOT_AGENT_SESSION_ID mission=${SORTIE_MISSION:-none}"', prompt_tokens: 29_500 },
          'git commit -am "TASK-1 login form"',
          `${shim} task claim TASK-1 && git commit -am "TASK-1 login form"`,
          { text: 'done' },
        ],
      });
      const r = await runCopilot({ repo: repo.dir, prompt: 'commit the login form', standIn: s, home, cacheDir, trust: 'none', maxPromptTokens: 30_000, timeoutMs: RUN_MS });
      const d = diag(r);
      expect(r.code, d).toBe(0);

      // (a) one mission, closed at sessionEnd.
      const [m, ...others] = fx.missions();
      expect(others, d).toEqual([]);
      expect(m).toMatchObject({ agent: 'copilot-cli', end_reason: 'complete' });
      const sid = m!.session_id!;

      // (b) the context: a user message right after the system prompt, naming the shim.
      const main = s.mainRequests();
      const [system, context] = messages(main[0]!.body);
      expect(system?.role).toBe('system');
      expect(context, d).toMatchObject({ role: 'user', text: expect.stringContaining(`you are mission #${m!.id} "${m!.codename}" (copilot-cli)`) });
      expect(context!.text).toContain(`Run sortie as \`${shim}\` in your shell.`);

      // (c) the shell carries the session natively; (d) the commit blocked by the git hook, the claim, the commit.
      const results = toolResults(s);
      expect(results.some((t) => t.includes(`session=${sid} mission=none`)), d).toBe(true);
      expect(results.filter((t) => t.includes('sortie: commit blocked (commit-msg)'))).toHaveLength(1);
      // The fix it names runs in Copilot's shell: the shim, by its path.
      expect(results.find((t) => t.includes('commit blocked'))).toContain(`fix: ${shim} task claim TASK-1`);
      const claimed = results.find((t) => t.includes(`claimed TASK-1 for ${m!.codename} (copilot-cli, mission #${m!.id})`));
      expect(claimed, JSON.stringify(results)).toBeDefined();
      expect(claimed).not.toContain('blocked');
      expect(repo.git('log', '--format=%s', '-3').split('\n')).toEqual(['TASK-1 login form', 'a file to change', 'set up sortie and two tasks']);
      expect(fx.commits().filter((c) => c.subject === 'TASK-1 login form')).toEqual([{ sha: repo.git('rev-parse', 'HEAD'), mission_id: m!.id, subject: 'TASK-1 login form', tasks: '["TASK-1"]' }]);
      expect(fx.activity('commit.blocked')).toEqual([{ mission_id: m!.id, task_id: 'TASK-1', detail: expect.stringContaining('"hook":"commit-msg"') }]);
      expect(fx.claims('TASK-1')).toEqual([{ mission_id: m!.id, released_at: m!.ended_at, release_reason: 'mission-ended' }]);

      // (e) compaction: the checkpoint at preCompact; the summary drops the context; the next
      // preToolUse brings it back (the model sees it as "Additional context from preToolUse hook").
      expect(r.requests.filter((q) => q.kind === 'summary'), d).toHaveLength(1);
      expect(m!.checkpoint).not.toBeNull();
      const afterSummary = main.findIndex((q) => messages(q.body)[1]?.text.startsWith('Some of the conversation history has been summarized'));
      expect(afterSummary, d).toBeGreaterThan(0);
      const back = main.slice(afterSummary).find((q) => q.raw.includes('Session compact'));
      expect(back, d).toBeDefined();
      expect(messages(back!.body).some((x) => x.text.includes(`you are mission #${m!.id}`) && x.text.includes('Checkpoint before compaction'))).toBe(true);
    },
    TIMEOUT,
  );

  test(
    'a run SIGKILLed mid-turn leaves its mission live with its claim; the next run reaps it and offers the task',
    async () => {
      const { repo, shim } = fx;
      const s = await standIn({ script: [`${shim} task claim TASK-2`, { hang: true }] });
      const p = startCopilot({ repo: repo.dir, prompt: 'take the cookie task', standIn: s, home, cacheDir, trust: 'none', timeoutMs: RUN_MS });
      cleanups.push(() => p.stop());
      await s.waitForMain(2, RUN_MS);
      const agent = await p.agentPid();
      const victim = fx.missions().at(-1)!;
      // The recorded agent process is Copilot's platform binary (comm "MainThread"), the hooks' parent.
      expect(victim).toMatchObject({ agent: 'copilot-cli', ended_at: null, pid: agent });
      expect(fx.claims('TASK-2')).toEqual([{ mission_id: victim.id, released_at: null, release_reason: null }]);
      await p.signal('SIGKILL');
      const killed = await p.result;
      expect(killed.signal, diag(killed)).toBe('SIGKILL');
      expect(alive(agent)).toBe(false);

      const s2 = await standIn({ script: [{ text: 'nothing to do' }] });
      const r = await runCopilot({ repo: repo.dir, prompt: 'what is waiting?', standIn: s2, home, cacheDir, trust: 'none', timeoutMs: RUN_MS });
      expect(r.code, diag(r)).toBe(0);
      const reaped = fx.missions().find((x) => x.id === victim.id)!;
      expect(reaped).toMatchObject({ end_reason: 'abandoned', summary: 'abandoned (agent process gone)' });
      expect(fx.claims('TASK-2')).toEqual([{ mission_id: victim.id, released_at: reaped.ended_at, release_reason: 'reaped' }]);
      expect(s2.mainRequests()[0]!.raw).toContain(`${victim.codename} (copilot-cli) was found dead and closed; its tasks TASK-2 are waiting for pickup`);
    },
    TIMEOUT,
  );
});
