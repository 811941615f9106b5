/**
 * A mixed team in one repository, each agent the REAL CLI offline, each installed by
 * `sortie init --agent <name>` (Codex trusted through init --trust), sortie's git hooks in place:
 * 1. a Claude Code agent claims TASK-1 and stays at work (its model hangs);
 * 2. a Codex agent claims TASK-3 and stays at work; its context shows the Claude Code mission;
 * 3. an OpenCode agent sees both in its context; its claim of TASK-1 is refused and its commit on
 *    TASK-1 blocked, naming the Claude Code mission; it claims TASK-2 and hands it off with a note;
 * 4. a second Codex session is told of the handoff (the note, from the OpenCode mission) and
 *    claims TASK-2;
 * 5. a second Claude Code session sees the Codex mission and the first Claude Code mission at work.
 */
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { diag } from '../helpers/agents/common.js';
import { codexAvailability, makeCodexHome, runCodex, startCodex } from '../helpers/agents/codex.js';
import { makeOpencodeHome, opencodeAvailability, runOpencode } from '../helpers/agents/opencode.js';
import { claudeAvailable, claudeVersion, runClaude, spawnClaude } from '../helpers/claude.js';
import { startFakeModel, type FakeModel, type ModelStep } from '../helpers/fake-model.js';
import { inspect } from '../helpers/db.js';
import { catchUp, dbOf, makeRepo } from '../helpers/repo.js';
import type { StandIn } from '../helpers/stand-in/core.js';
import { startOpenAiChat } from '../helpers/stand-in/openai-chat.js';
import { startOpenAiResponses } from '../helpers/stand-in/openai-responses.js';

const TIMEOUT = 300_000;
const RUN_MS = 150_000;
const codex = codexAvailability();
const opencode = opencodeAvailability();
const claude = claudeAvailable();

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function fakeModel(script: ModelStep[]): Promise<FakeModel> {
  const m = await startFakeModel(script);
  cleanups.push(() => m.close());
  return m;
}
async function responses(script: Parameters<typeof startOpenAiResponses>[0]['script']): Promise<StandIn> {
  const s = await startOpenAiResponses({ script });
  cleanups.push(() => s.close());
  return s;
}
async function chat(script: Parameters<typeof startOpenAiChat>[0]['script']): Promise<StandIn> {
  const s = await startOpenAiChat({ script });
  cleanups.push(() => s.close());
  return s;
}

/** Codex's context: its developer messages. */
const developerTexts = (body: any): string => (Array.isArray(body?.input) ? body.input : []).filter((i: any) => i?.type === 'message' && i.role === 'developer').map((i: any) => (i.content ?? []).map((c: any) => c?.text ?? '').join('')).join('\n');
/** OpenCode's context: its system messages. */
const systemTexts = (body: any): string => (Array.isArray(body?.messages) ? body.messages : []).filter((m: any) => m?.role === 'system').map((m: any) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content))).join('\n');
const chatToolOutputs = (s: StandIn): string[] => [...new Set(s.requests.flatMap((q) => (q.body?.messages ?? []).filter((m: any) => m?.role === 'tool').map((m: any) => String(m.content))))];
const responsesToolOutputs = (s: StandIn): string[] => [
  ...new Set(s.requests.flatMap((q) => (Array.isArray(q.body?.input) ? q.body.input : []).filter((i: any) => i?.type === 'function_call_output').map((i: any) => (typeof i.output === 'string' ? i.output : JSON.stringify(i.output))))),
];

interface Row {
  id: number;
  codename: string;
  agent: string;
  ended_at: string | null;
}

describe.skipIf(!claude || !codex.ok || !opencode.ok)(`a mixed team: Claude Code ${claudeVersion() ?? '(missing)'}, Codex ${codex.version ?? `(${codex.reason})`} and OpenCode ${opencode.version ?? `(${opencode.reason})`} in one repository`, () => {
  test(
    'each sees the others in its context; one is refused the task another holds and its commit blocked; one hands off to another, which claims',
    async () => {
      const repo = makeRepo({ name: 'mixed-team' });
      cleanups.push(() => repo.cleanup());
      const claudeHome = realpathSync(mkdtempSync(join(tmpdir(), 'mixed-claude-home-')));
      cleanups.push(() => rmSync(claudeHome, { recursive: true, force: true }));
      const codexHome = makeCodexHome();
      const opencodeHome = makeOpencodeHome();
      cleanups.push(() => codexHome.cleanup(), () => opencodeHome.cleanup());
      for (const [agent, env, extra] of [['claude-code', { HOME: claudeHome }, []], ['codex', codexHome.env, ['--trust']], ['opencode', opencodeHome.env, []]] as const) {
        const r = repo.sortie(['init', '--agent', agent, ...extra], { env });
        expect(r.code, r.stderr).toBe(0);
      }
      for (const title of ['Login form', 'Session cookie', 'Password reset']) expect(repo.sortie(['task', 'new', title, '-p', 'high']).code).toBe(0);
      repo.git('add', '-A');
      repo.git('commit', '-qm', 'a team repository');
      repo.write('login.txt', 'login form\n');
      const shim = join(repo.dir, '.git', 'sortie', 'bin', 'sortie');
      const missions = (): Row[] => {
        catchUp(repo.dir, repo.env);
        return inspect(dbOf(repo), (d) => d.prepare("SELECT id, codename, agent, ended_at FROM missions WHERE kind = 'agent' ORDER BY id").all()) as Row[];
      };

      // 1. Claude Code claims TASK-1 and keeps working.
      const claudeModel = await fakeModel([{ bash: 'sortie task claim TASK-1' }, { hang: true }]);
      const holder = spawnClaude({ cwd: repo.dir, prompt: 'take the login task', modelUrl: claudeModel.url });
      const holderClosed = new Promise<void>((resolve) => holder.once('close', () => resolve()));
      cleanups.push(async () => {
        if (holder.exitCode === null && holder.signalCode === null) holder.kill('SIGKILL');
        await holderClosed;
      });
      await claudeModel.waitForMainRequest(2, RUN_MS);
      expect(claudeModel.toolResults()[0]).toContain('claimed TASK-1');
      const [c1] = missions();
      expect(c1).toMatchObject({ agent: 'claude-code', ended_at: null });

      // 2. Codex claims TASK-3 and keeps working; its context shows the Claude Code mission at work.
      const codexModel = await responses([`${shim} task claim TASK-3`, { hang: true }]);
      const codexHolder = startCodex({ repo: repo.dir, prompt: 'take the reset task', standIn: codexModel, home: codexHome, trust: false, timeoutMs: TIMEOUT });
      cleanups.push(() => codexHolder.stop());
      await codexModel.waitForMain(2, RUN_MS);
      expect(responsesToolOutputs(codexModel)[0]).toContain('claimed TASK-3');
      const x1 = missions().find((m) => m.agent === 'codex')!;
      expect(developerTexts(codexModel.mainRequests()[0]!.body)).toContain(`- ${c1!.codename} (claude-code, main): holds TASK-1`);

      // 3. OpenCode sees both; TASK-1 is not its to take or to commit; it takes TASK-2 and hands it off.
      const note = 'the cookie is set, its expiry is left';
      const ocModel = await chat([
        'sortie task claim TASK-1',
        'git add login.txt && git commit -m "TASK-1 login form"',
        'sortie task claim TASK-2',
        `sortie task handoff TASK-2 --note "${note}"`,
        { text: 'handed off' },
      ]);
      const oc = await runOpencode({ repo: repo.dir, prompt: 'work on the login form', standIn: ocModel, home: opencodeHome, stubProject: false, timeoutMs: RUN_MS });
      expect(oc.code, diag(oc)).toBe(0);
      const o1 = missions().find((m) => m.agent === 'opencode')!;
      const ocContext = systemTexts(ocModel.mainRequests()[0]!.body);
      expect(ocContext).toContain(`- ${c1!.codename} (claude-code, main): holds TASK-1`);
      expect(ocContext).toContain(`- ${x1.codename} (codex, main): holds TASK-3`);
      const [refused, blocked, claimed, handed] = chatToolOutputs(ocModel);
      expect(refused).toContain(`TASK-1 is held by ${c1!.codename} (claude-code, mission #${c1!.id})`);
      expect(blocked).toContain('sortie: commit blocked (commit-msg)');
      expect(blocked).toContain(`held by ${c1!.codename} (claude-code`);
      expect(claimed).toContain(`claimed TASK-2 for ${o1.codename} (opencode`);
      expect(handed).toContain('TASK-2');
      expect(repo.git('log', '-1', '--format=%s')).toBe('a team repository');

      // 4. A second Codex session is told of the handoff and claims the task.
      const codex2 = await responses([`${shim} task claim TASK-2`, { text: 'on it' }]);
      const r4 = await runCodex({ repo: repo.dir, prompt: 'what is waiting?', standIn: codex2, home: codexHome, trust: false, timeoutMs: RUN_MS });
      expect(r4.code, diag(r4)).toBe(0);
      const x2 = missions().filter((m) => m.agent === 'codex').at(-1)!;
      expect(x2.id).not.toBe(x1.id);
      const x2Context = developerTexts(codex2.mainRequests()[0]!.body);
      expect(x2Context).toContain(`- TASK-2 (from ${o1.codename}`);
      expect(x2Context).toContain(note);
      expect(x2Context).toContain(`- ${c1!.codename} (claude-code, main): holds TASK-1`);
      expect(x2Context).toContain(`- ${x1.codename} (codex, main): holds TASK-3`);
      expect(responsesToolOutputs(codex2)[0]).toContain(`claimed TASK-2 for ${x2.codename} (codex`);

      // 5. A second Claude Code session sees the Codex mission and the first Claude Code one at work.
      const claude2 = await fakeModel([{ text: 'nothing for me' }]);
      const r5 = await runClaude({ cwd: repo.dir, prompt: 'who is working on what?', modelUrl: claude2.url, timeoutMs: RUN_MS });
      expect(r5.code, JSON.stringify(r5)).toBe(0);
      const c2Context = claude2.mainRequests()[0]!.raw;
      expect(c2Context).toContain(`${c1!.codename} (claude-code, main): holds TASK-1`);
      expect(c2Context).toContain(`${x1.codename} (codex, main): holds TASK-3`);

      holder.kill('SIGKILL');
      await holderClosed;
      await codexHolder.stop();
    },
    TIMEOUT,
  );
});
