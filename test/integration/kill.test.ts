// One scenario: a process SIGKILLed in the middle of claiming leaves a consistent database.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inspect } from '../helpers/db.js';
import { agentMissions } from '../helpers/missions.js';
import { ROOT, dbOf, makeRepo } from '../helpers/repo.js';

const WORKER = join(ROOT, 'test', 'helpers', 'churn-worker.mjs');
const ROUNDS = 10;
const repo = makeRepo({ name: 'kill' });
afterAll(() => repo.cleanup());

/** Starts the churn worker, waits until it is looping, SIGKILLs it after 30-300 ms; resolves with its completed cycles. */
function churnAndKill(missionId: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [WORKER, repo.dir, 'TASK-1'], { cwd: repo.dir, env: { ...repo.env, SORTIE_MISSION: String(missionId) } });
    let out = '';
    let err = '';
    let armed = false;
    p.stdout.on('data', (d: Buffer) => {
      out += d;
      if (!armed && out.includes('go\n')) {
        armed = true;
        setTimeout(() => p.kill('SIGKILL'), 30 + Math.floor(Math.random() * 271));
      }
    });
    p.stderr.on('data', (d: Buffer) => (err += d));
    p.on('error', reject);
    p.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`worker ended by itself (${code}): ${err}`));
      else resolve((out.match(/\./g) ?? []).length);
    });
  });
}

function assertConsistent(): void {
  inspect(dbOf(repo), (d) => {
    expect(d.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(d.prepare('SELECT task_id, COUNT(*) AS n FROM claims WHERE released_at IS NULL GROUP BY task_id HAVING n > 1').all()).toEqual([]);
    // Claim rows and task.claimed rows are written in one transaction: they match one to one.
    const claims = d.prepare('SELECT task_id, mission_id, claimed_at AS at FROM claims ORDER BY id').all();
    const claimed = d.prepare("SELECT task_id, mission_id, at FROM activity WHERE kind = 'task.claimed' ORDER BY id").all();
    expect(claimed).toEqual(claims);
    // Same for releases by the holder.
    const released = d.prepare("SELECT task_id, mission_id, released_at AS at FROM claims WHERE release_reason = 'release' ORDER BY id").all();
    const releasedRows = d
      .prepare("SELECT task_id, mission_id, at FROM activity WHERE kind = 'task.released' AND json_extract(detail, '$.reason') = 'release' ORDER BY id")
      .all();
    expect(releasedRows).toEqual(released);
  });
}

describe('SIGKILL in the middle of claim/release', () => {
  it(`leaves integrity ok and every claim fully there or fully absent (${ROUNDS} kills)`, async () => {
    expect(repo.sortie(['task', 'new', 'Hot potato']).code).toBe(0);
    let cycles = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const [worker, next] = agentMissions(dbOf(repo), 2, { sessionPrefix: `round-${round}` });
      cycles += await churnAndKill(worker!.id);
      assertConsistent();

      // Another mission claims next: it wins, or it is told the killed worker holds the task.
      const r = repo.sortie(['task', 'claim', 'TASK-1', '--json'], { env: { SORTIE_MISSION: String(next!.id) } });
      if (r.code === 0) {
        expect(r.json().task.id).toBe('TASK-1');
        expect(repo.sortie(['task', 'release', 'TASK-1'], { env: { SORTIE_MISSION: String(next!.id) } }).code).toBe(0);
      } else {
        expect(r.code, r.stdout + r.stderr).toBe(1);
        expect(r.json().error).toMatchObject({ code: 'CLAIM_HELD', holder: { mission: worker!.id, codename: worker!.codename } });
      }
      // Clear the stage for the next round the way a person would: end the dead worker's mission.
      expect(repo.sortie(['mission', 'end', String(worker!.id), '--reason', 'killed']).code).toBe(0);
      assertConsistent();
      inspect(dbOf(repo), (d) => expect(d.prepare('SELECT COUNT(*) FROM claims WHERE released_at IS NULL').pluck().get()).toBe(0));
    }
    // The kills landed while claims were being made, not before the first one.
    expect(cycles).toBeGreaterThan(0);
    const list = repo.sortie(['task', 'list', '--json']);
    expect(list.code).toBe(0);
    expect(list.stderr).toBe('');
    expect(list.json().tasks.map((t: { id: string }) => t.id)).toEqual(['TASK-1']);
  });
});
