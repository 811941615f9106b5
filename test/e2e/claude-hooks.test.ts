/**
 * sortie's hooks under the REAL Claude Code CLI, offline against the fake model (see
 * test/helpers/CLAUDE-HARNESS.md): `sortie init` wires them, a `claude -p` run becomes a mission,
 * the model is given the context, the agent's Bash tool acts as that mission, and the mission is
 * closed at the end, or reaped by the next run when claude was killed.
 */
import { mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { claudeAvailable, claudeVersion, runClaude, spawnClaude } from '../helpers/claude.js';
import { inspect } from '../helpers/db.js';
import { startFakeModel, type FakeModel } from '../helpers/fake-model.js';
import { BIN, catchUp, dbOf, makeRepo, taskFile, type TempRepo } from '../helpers/repo.js';

const TIMEOUT = 90_000;

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

interface Mission {
  id: number;
  codename: string;
  agent: string;
  session_id: string | null;
  pid: number | null;
  ended_at: string | null;
  end_reason: string | null;
  summary: string | null;
}
interface Claim {
  task_id: string;
  mission_id: number;
  released_at: string | null;
  release_reason: string | null;
}

/** A repo set up with `sortie init`, two ready tasks, and a PATH on which `sortie` is the built CLI. */
function setup(): { repo: TempRepo; env: Record<string, string>; db: string } {
  const repo = makeRepo({ name: 'claude-e2e' });
  cleanups.push(() => repo.cleanup());
  const init = repo.sortie(['init']);
  expect(init.code, init.stderr).toBe(0);
  repo.write('.sortie/tasks/TASK-1.md', taskFile('TASK-1', { title: 'Write the parser', status: 'TODO', priority: 'high' }));
  repo.write('.sortie/tasks/TASK-2.md', taskFile('TASK-2', { title: 'Write the lexer', status: 'TODO', priority: 'medium' }));
  // bin/sortie.js is the package's bin; an installed package would expose it as `sortie`.
  const binDir = realpathSync(mkdtempSync(join(tmpdir(), 'sortie-bin-')));
  cleanups.push(() => rmSync(binDir, { recursive: true, force: true }));
  symlinkSync(BIN, join(binDir, 'sortie'));
  return { repo, env: { PATH: `${binDir}:${process.env.PATH ?? ''}` }, db: dbOf(repo) };
}

async function fakeModel(...args: Parameters<typeof startFakeModel>): Promise<FakeModel> {
  const fm = await startFakeModel(...args);
  cleanups.push(() => fm.close());
  return fm;
}

// Read as sortie's readers do: after catching up with what the hooks queued (SessionEnd, heartbeats).
const repoOf = (db: string) => dirname(dirname(dirname(db)));
const agentMissions = (db: string) => (catchUp(repoOf(db)), inspect)(db, (d) => d.prepare("SELECT * FROM missions WHERE kind = 'agent' ORDER BY id").all() as Mission[]);
const claimsOf = (db: string, task: string) =>
  (catchUp(repoOf(db)), inspect)(db, (d) => d.prepare('SELECT task_id, mission_id, released_at, release_reason FROM claims WHERE task_id = ? ORDER BY id').all(task) as Claim[]);
const taskStatus = (db: string, id: string) => (catchUp(repoOf(db)), inspect)(db, (d) => d.prepare('SELECT status FROM tasks WHERE id = ?').pluck().get(id));

describe.skipIf(!claudeAvailable())(`sortie hooks in real Claude Code ${claudeVersion() ?? '(missing)'}`, () => {
  test(
    'a -p run is a mission: context reaches the model, the Bash tool acts as the mission, the end closes it',
    async () => {
      const { repo, env, db } = setup();
      const fm = await fakeModel([{ bash: 'echo "mission=$SORTIE_MISSION" && sortie task claim TASK-1' }]);
      const result = await runClaude({ cwd: repo.dir, prompt: 'pick up the parser', modelUrl: fm.url, env, timeoutMs: TIMEOUT });
      const diag = JSON.stringify({ result, requests: fm.requests.map((r) => `${r.method} ${r.path}`) });
      expect(result.code, diag).toBe(0);
      expect(result.stdout).toContain('done');

      // (a) one mission for this session
      const missions = agentMissions(db);
      expect(missions, diag).toHaveLength(1);
      const m = missions[0]!;
      const first = fm.mainRequests()[0]!;
      expect(m.agent).toBe('claude-code');
      expect(m.session_id).toBe(first.headers['x-claude-code-session-id']);
      expect(m.pid).not.toBeNull();

      // (b) the model was given the context
      expect(first.raw).toContain('SessionStart hook additional context');
      expect(first.raw).toContain(`you are mission #${m.id} \\"${m.codename}\\" (claude-code)`);
      expect(first.raw).toContain('- TASK-1 Write the parser [high]');
      expect(first.raw).toContain('- TASK-2 Write the lexer [medium]');

      // (c) the agent's shell sees SORTIE_MISSION and its claim belongs to the mission
      const results = fm.toolResults();
      expect(results).toHaveLength(1);
      expect(results[0]).toContain(`mission=${m.id}`);
      expect(results[0]).toContain(`claimed TASK-1 for ${m.codename}`);
      const claims = claimsOf(db, 'TASK-1');
      expect(claims).toHaveLength(1);
      expect(claims[0]!.mission_id).toBe(m.id);

      // (d) closed at the end of the run: claim released, task waiting for pickup
      expect(m.ended_at).not.toBeNull();
      expect(m.end_reason).toBe('other');
      expect(claims[0]).toMatchObject({ released_at: m.ended_at, release_reason: 'mission-ended' });
      expect(taskStatus(db, 'TASK-1')).toBe('UNDERWAY');
      const status = repo.sortie(['status', '--json']);
      expect(status.code, status.stderr).toBe(0);
      expect(status.stdout).toContain('TASK-1');
    },
    TIMEOUT,
  );

  test(
    'a run SIGKILLed mid-request leaves a live mission; the next run reaps it and offers its task',
    async () => {
      const { repo, env, db } = setup();
      const fm = await fakeModel([{ bash: 'sortie task claim TASK-2' }, { hang: true }]);
      const child = spawnClaude({ cwd: repo.dir, prompt: 'work on the lexer', modelUrl: fm.url, env });
      let output = '';
      child.stdout?.on('data', (d) => (output += d));
      child.stderr?.on('data', (d) => (output += d));
      const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
      cleanups.push(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      });

      await fm.waitForMainRequest(2, TIMEOUT);
      expect(fm.toolResults()[0]).toContain('claimed TASK-2');
      const [victim] = agentMissions(db);
      expect(victim, output).toBeDefined();
      expect(victim!.ended_at).toBeNull();
      expect(victim!.pid).toBe(child.pid);
      expect(claimsOf(db, 'TASK-2')).toEqual([{ task_id: 'TASK-2', mission_id: victim!.id, released_at: null, release_reason: null }]);

      child.kill('SIGKILL');
      await closed;
      // No SessionEnd: the mission is still live and still holds the claim.
      expect(agentMissions(db)[0]).toMatchObject({ id: victim!.id, ended_at: null });
      expect(claimsOf(db, 'TASK-2')[0]!.released_at).toBeNull();

      const fm2 = await fakeModel([{ text: 'done' }]);
      const next = await runClaude({ cwd: repo.dir, prompt: 'what is waiting?', modelUrl: fm2.url, env, timeoutMs: TIMEOUT });
      expect(next.code, JSON.stringify(next)).toBe(0);
      const [reaped, second] = agentMissions(db);
      expect(reaped).toMatchObject({ id: victim!.id, end_reason: 'abandoned', summary: 'abandoned (agent process gone)' });
      expect(reaped!.ended_at).not.toBeNull();
      expect(claimsOf(db, 'TASK-2')).toEqual([{ task_id: 'TASK-2', mission_id: victim!.id, released_at: reaped!.ended_at, release_reason: 'reaped' }]);
      expect(taskStatus(db, 'TASK-2')).toBe('UNDERWAY');
      expect(second).toMatchObject({ end_reason: 'other' });

      const raw = fm2.mainRequests()[0]!.raw;
      expect(raw).toContain(`you are mission #${second!.id}`);
      expect(raw).toContain('Waiting for pickup');
      expect(raw).toContain('- TASK-2 Write the lexer [medium]');
      expect(raw).toContain(`${victim!.codename} (claude-code) was found dead and closed; its tasks TASK-2 are waiting for pickup`);
    },
    TIMEOUT,
  );
});
