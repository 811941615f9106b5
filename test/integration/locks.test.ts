// One scenario per lock mode, in steps that build on each other: a real second process holds the
// database locked (test/helpers/lock.ts) while every hook runs through the built entries and real
// git commits go through the installed hooks. Each hook must answer while the lock is still held
// (it never waits for the lock to go away), lose nothing, and the guard must judge from what it
// can read. Then the lock is released and the next sortie process applies what was queued.
// Times are printed (test's own clock), never asserted: `npm run bench:locks` holds a 30 s lock
// and checks each hook against its deadline.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commit, gitRun, query, startAgent, usePreset, type Agent } from '../helpers/guard.js';
import { holdLock, type Holder, type LockMode } from '../helpers/lock.js';
import { HOOK, dbOf, makeRepo, type TempRepo } from '../helpers/repo.js';

const figures: { mode: LockMode; step: string; ms: number }[] = [];
afterAll(() => {
  if (figures.length) console.log(`hook times under a held lock (ms, test clock):\n${figures.map((f) => `  ${f.mode.padEnd(9)} ${f.step.padEnd(34)} ${f.ms.toFixed(0)}`).join('\n')}`);
});

function timed<T>(mode: LockMode, step: string, fn: () => T): T {
  const t0 = process.hrtime.bigint();
  const out = fn();
  figures.push({ mode, step, ms: Number(process.hrtime.bigint() - t0) / 1e6 });
  return out;
}

for (const mode of ['immediate', 'exclusive'] as const) {
  describe(`with the database held in ${mode} mode by another process`, () => {
    let repo: TempRepo;
    let a: Agent;
    let holder: Holder;
    let tmp: string;
    const late = `late-${mode}`;
    const pending = () => (existsSync(join(repo.dir, '.git', 'sortie', 'pending')) ? readdirSync(join(repo.dir, '.git', 'sortie', 'pending')) : []);

    function hook(event: string, session: string, extra: Record<string, unknown> = {}, envFile?: string) {
      const env = { ...repo.env, CLAUDECODE: '1', CLAUDE_PROJECT_DIR: repo.dir, CLAUDE_CODE_SESSION_ID: session, ...(envFile ? { CLAUDE_ENV_FILE: envFile } : {}) };
      const input = JSON.stringify({ session_id: session, transcript_path: join(tmp, `${session}.jsonl`), cwd: repo.dir, hook_event_name: event, ...extra });
      const r = timed(mode, event === 'SessionStart' ? `${event} (${session})` : event, () => spawnSync(process.execPath, [HOOK, 'claude-code', event], { cwd: repo.dir, env, input, encoding: 'utf8' }));
      expect(r.status, r.stderr).toBe(0);
      expect(holder.holding(), `${event} returned only after the lock was released`).toBe(true);
      return r;
    }

    beforeAll(async () => {
      repo = makeRepo({ name: `locks-${mode}` });
      tmp = mkdtempSync(join(tmpdir(), 'sortie-locks-'));
      expect(repo.sortie(['init']).code).toBe(0);
      for (const t of ['Login', 'Signup']) expect(repo.sortie(['task', 'new', t]).code).toBe(0);
      repo.git('add', '-A');
      repo.git('commit', '-q', '-m', 'set up sortie and tasks');
      a = startAgent(repo, `agent-a-${mode}`);
      expect(repo.sortie(['task', 'claim', 'TASK-2'], { env: a.env }).code).toBe(0);
      holder = await holdLock(dbOf(repo), mode);
    }, 60_000);
    afterAll(async () => {
      await holder?.release();
      repo?.cleanup();
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    });

    it('SessionStart answers before its deadline, queues the start, and gives what context it can read', () => {
      const envFile = join(tmp, 'late-env.sh');
      const r = hook('SessionStart', late, { source: 'startup' }, envFile);
      const context = JSON.parse(r.stdout).hookSpecificOutput.additionalContext as string;
      expect(context).toContain(`pid ${holder.pid}`);
      if (mode === 'immediate') {
        // WAL readers are not blocked by a writer: the tasks are there.
        expect(context).toContain('will be recorded as a mission as soon as the database can be written');
        expect(context).toContain('- TASK-1 Login [medium]');
        expect(context).toContain('TASK-2'); // held by agent A, in "Other missions"
      } else {
        // Not even reading: one line saying why there is no context.
        expect(context).toMatch(/^sortie: no context this time: .*locked.*This session is queued/);
        expect(context).not.toContain('\n');
      }
      expect(pending().filter((f) => f.startsWith('start-'))).toHaveLength(1);
      // No mission id yet: the shell knows the session, and identity resolves by it.
      const exported = readFileSync(envFile, 'utf8');
      expect(exported).toContain(`export SORTIE_SESSION='${late}'`);
      expect(exported).not.toContain('SORTIE_MISSION');
    });

    it('heartbeats and PreCompact answer at once; the checkpoint is queued', () => {
      hook('UserPromptSubmit', a.sid, { prompt: 'go on' });
      hook('Stop', late, {});
      hook('PreCompact', a.sid, { trigger: 'auto' });
      expect(pending().filter((f) => f.startsWith('checkpoint-'))).toHaveLength(1);
    });

    it('the commit guard judges from what it can read, and never calls a lock an internal error', () => {
      const blocked = timed(mode, 'git commit naming an unclaimed task', () => commit(repo, 'TASK-1: sneak in', { env: a.env }));
      expect(holder.holding()).toBe(true);
      expect(blocked.stderr).not.toContain('guard failed');
      if (mode === 'immediate') {
        expect(blocked.code, blocked.stderr).toBe(1);
        expect(blocked.stderr).toContain('nobody has claimed it');
        expect(pending().filter((f) => f.startsWith('activity-'))).toHaveLength(1);
      } else {
        // Reading is impossible: said as a lock, with who holds it; guard.onError (allow) settles it.
        expect(blocked.code, blocked.stderr).toBe(0);
        expect(blocked.stderr).toContain('could not read the database');
        expect(blocked.stderr).toContain(`pid ${holder.pid}`);
        expect(blocked.stderr).toContain('goes ahead unchecked (guard.onError = allow)');
        usePreset(repo, 'strict');
        const strict = timed(mode, 'git commit (strict: onError block)', () => commit(repo, 'TASK-1: again', { env: a.env }));
        expect(strict.code, strict.stderr).toBe(1);
        expect(strict.stderr).toContain('could not read the database');
        expect(strict.stderr).toContain('guard.onError = block');
        gitRun(repo, ['checkout', '-q', '--', '.sortierc.json']);
      }
      const mine = timed(mode, 'git commit naming a held task', () => commit(repo, 'TASK-2: my work', { env: a.env }));
      expect(mine.code, mine.stderr).toBe(0);
      expect(holder.holding()).toBe(true);
      const co = timed(mode, 'git checkout -b (post-checkout)', () => gitRun(repo, ['checkout', '-q', '-b', `feat/TASK-2-${mode}`], { env: a.env }));
      expect(co.code, co.stderr).toBe(0);
      expect(holder.holding()).toBe(true);
    });

    it('SessionEnd of the queued session is queued too', () => {
      hook('SessionEnd', late, { reason: 'logout' });
    });

    it('once the lock is gone, the next sortie process applies it all: the start before its end', async () => {
      await holder.release();
      const list = repo.sortie(['mission', 'list', '--all', '--json']);
      expect(list.code, list.stderr).toBe(0);
      const missions = list.json().missions as { sessionId: string; endedAt: string | null; endReason: string | null; startedAt: string }[];
      const m = missions.find((x) => x.sessionId === late);
      expect(m, JSON.stringify(missions)).toBeDefined();
      expect(m!.endReason).toBe('logout');
      expect(m!.endedAt! >= m!.startedAt).toBe(true);
      const checkpoint = query(repo, 'SELECT checkpoint FROM missions WHERE id = ?', a.id)[0].checkpoint as string | null;
      expect(JSON.parse(checkpoint!)).toMatchObject({ trigger: 'auto', claims: ['TASK-2'] });
      if (mode === 'immediate') {
        expect(query(repo, "SELECT task_id, mission_id FROM activity WHERE kind = 'commit.blocked'")).toEqual([{ task_id: 'TASK-1', mission_id: a.id }]);
      }
      expect(pending().filter((f) => !f.startsWith('commit-'))).toEqual([]);
      // Applying the queue again changes nothing.
      const again = repo.sortie(['mission', 'list', '--all', '--json']);
      expect(again.json().missions).toEqual(list.json().missions);
      writeFileSync(join(tmp, 'done'), '');
    });
  });
}
