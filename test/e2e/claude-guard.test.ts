/**
 * The commit guard as a real Claude Code agent meets it: the scripted model runs `git commit`
 * through its Bash tool, sees the block in the tool result, claims, and commits. A second agent
 * running at the same time is blocked on the first one's claim.
 */
import { mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { claudeAvailable, claudeVersion, runClaude, spawnClaude } from '../helpers/claude.js';
import { startFakeModel, type FakeModel, type ModelStep } from '../helpers/fake-model.js';
import { recorded, commitCount, head, query } from '../helpers/guard.js';
import { catchUp, BIN, makeRepo, type TempRepo } from '../helpers/repo.js';

const TIMEOUT = 90_000;
const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** PATH with a `sortie` command (the built bin) first, as after `npm install sortie`. */
function sortiePath(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'sortie-bin-')));
  symlinkSync(BIN, join(dir, 'sortie'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return `${dir}:${join(BIN, '..')}:${process.env.PATH ?? ''}`;
}

function setUp(name: string): TempRepo {
  const repo = makeRepo({ name });
  cleanups.push(() => repo.cleanup());
  expect(repo.sortie(['init']).code).toBe(0);
  expect(repo.sortie(['task', 'new', 'Login']).code).toBe(0);
  repo.git('add', '-A');
  repo.git('commit', '-q', '-m', 'set up sortie and a task');
  repo.write('README.md', '# test\n\nlogin work\n');
  return repo;
}

async function model(script: ModelStep[]): Promise<FakeModel> {
  const fm = await startFakeModel(script);
  cleanups.push(() => fm.close());
  return fm;
}

function agentMissions(repo: TempRepo): { id: number; codename: string; session_id: string; ended_at: string | null }[] {
  catchUp(repo.dir, repo.env); // what SessionEnd queued, applied as any sortie reader does
  return query(repo, "SELECT id, codename, session_id, ended_at FROM missions WHERE kind = 'agent' ORDER BY id");
}

describe.skipIf(!claudeAvailable())(`the commit guard under real Claude Code ${claudeVersion() ?? '(missing)'}`, () => {
  test(
    'blocked on an unclaimed task, the agent claims it and its commit passes and is recorded',
    async () => {
      const repo = setUp('claude-guard');
      const before = commitCount(repo);
      const fm = await model([{ bash: 'git commit -am "TASK-1 change"' }, { bash: 'sortie task claim TASK-1 && git commit -am "TASK-1 change"' }]);
      const run = await runClaude({ cwd: repo.dir, prompt: 'commit the login work', modelUrl: fm.url, timeoutMs: TIMEOUT, env: { PATH: sortiePath() } });
      expect(run.code, JSON.stringify(run)).toBe(0);

      const results = fm.toolResults();
      expect(results, JSON.stringify(results)).toHaveLength(2);
      expect(results[0]).toContain('Exit code 1');
      expect(results[0]).toContain('commit blocked');
      expect(results[0]).toContain('sortie task claim TASK-1');
      expect(results[0]).toContain('SORTIE_SKIP=1');
      expect(results[1]).not.toContain('blocked');

      expect(commitCount(repo)).toBe(before + 1);
      expect(repo.git('log', '-1', '--format=%s')).toBe('TASK-1 change');
      const missions = agentMissions(repo);
      expect(missions).toHaveLength(1);
      expect(recorded(repo, head(repo), 'mission_id, tasks')).toEqual([{ mission_id: missions[0]!.id, tasks: '["TASK-1"]' }]);
      expect(query(repo, "SELECT mission_id, task_id FROM activity WHERE kind = 'commit.blocked'")).toEqual([{ mission_id: missions[0]!.id, task_id: 'TASK-1' }]);
      // The session ended with the run: mission closed, claim released.
      expect(missions[0]!.ended_at).not.toBeNull();
    },
    TIMEOUT,
  );

  test(
    "a second agent is blocked on the task a live agent holds, naming that agent's mission",
    async () => {
      const repo = setUp('claude-guard-two');
      const path = sortiePath();
      const first = await model([{ bash: 'sortie task claim TASK-1' }, { hang: true }]);
      const holder = spawnClaude({ cwd: repo.dir, prompt: 'take the login task', modelUrl: first.url, env: { PATH: path } });
      const closed = new Promise<void>((resolve) => holder.once('close', () => resolve()));
      cleanups.push(async () => {
        if (holder.exitCode === null && holder.signalCode === null) holder.kill('SIGKILL');
        await closed;
      });
      await first.waitForMainRequest(2, TIMEOUT); // the claim ran; the model now hangs
      expect(first.toolResults()[0]).toContain('claimed TASK-1');
      const [a] = agentMissions(repo);
      expect(a).toBeDefined();

      const before = commitCount(repo);
      const second = await model([{ bash: 'git commit -am "TASK-1 more"' }]);
      const run = await runClaude({ cwd: repo.dir, prompt: 'commit the login work', modelUrl: second.url, timeoutMs: TIMEOUT, env: { PATH: path } });
      expect(run.code, JSON.stringify(run)).toBe(0);
      const [result] = second.toolResults();
      expect(result).toContain('commit blocked');
      expect(result).toContain(`held by ${a!.codename} (claude-code)`);
      expect(commitCount(repo)).toBe(before);

      const missions = agentMissions(repo);
      expect(missions).toHaveLength(2);
      expect(missions[0]).toMatchObject({ id: a!.id, ended_at: null }); // the holder is alive: not reaped
      expect(query(repo, "SELECT mission_id, task_id, detail FROM activity WHERE kind = 'commit.blocked'")).toEqual([
        { mission_id: missions[1]!.id, task_id: 'TASK-1', detail: expect.stringContaining(`"holder":"${a!.codename}"`) },
      ]);

      holder.kill('SIGKILL');
      await closed;
    },
    TIMEOUT,
  );
});
