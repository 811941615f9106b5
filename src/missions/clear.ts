import { record } from '../activity.js';
import type { Database } from '../store/open.js';
import { write } from '../store/write.js';
import { iso } from '../time.js';
import { endMissionTx, insertMission, type MissionRow, type StartMission } from './missions.js';

/**
 * After /clear the agent process is the same but the session id is new. The new mission takes over
 * the claims of the one that just ended with reason `clear` (released at its end, so re-taken
 * here if nobody grabbed them in between), or, if SessionEnd has not arrived yet, of the live
 * mission of the same agent process, which is closed now.
 */
export function startAfterClear(db: Database, base: StartMission, at: string): { mission: MissionRow; inherited: { from: string; tasks: string[] } | undefined } {
  return write(db, () => {
    const prev = findClearedPredecessor(db, base);
    const mission = insertMission(db, { ...base, parentId: prev?.id });
    if (!prev) return { mission, inherited: undefined };
    let tasks: string[] = [];
    if (!prev.ended_at) {
      tasks = (db.prepare('SELECT task_id FROM claims WHERE mission_id = ? AND released_at IS NULL').all(prev.id) as { task_id: string }[]).map((r) => r.task_id);
      db.prepare("UPDATE claims SET released_at = ?, release_reason = 'inherited' WHERE mission_id = ? AND released_at IS NULL").run(at, prev.id);
      endMissionTx(db, prev, { reason: 'clear', at });
    } else {
      tasks = (
        db
          .prepare("SELECT task_id FROM claims WHERE mission_id = ? AND released_at = ? AND release_reason = 'mission-ended'")
          .all(prev.id, prev.ended_at) as { task_id: string }[]
      ).map((r) => r.task_id);
    }
    const taken: string[] = [];
    for (const t of tasks) {
      const held = db.prepare('SELECT 1 FROM claims WHERE task_id = ? AND released_at IS NULL').get(t);
      if (held) continue;
      db.prepare('INSERT INTO claims (task_id, mission_id, claimed_at) VALUES (?, ?, ?)').run(t, mission.id, at);
      record(db, { kind: 'task.inherited', at, missionId: mission.id, agent: mission.agent, taskId: t, detail: { from: prev.codename } });
      taken.push(t);
    }
    return { mission, inherited: { from: prev.codename, tasks: taken } };
  });
}

function findClearedPredecessor(db: Database, b: { agent: string; pid?: number | undefined; cwd?: string | undefined; at: string }): MissionRow | undefined {
  const recent = iso(Date.parse(b.at) - 10 * 60_000);
  if (b.pid) {
    const byPid = db
      .prepare(
        `SELECT * FROM missions WHERE agent = ? AND pid = ? AND ((ended_at IS NULL) OR (end_reason = 'clear' AND ended_at >= ?)) ORDER BY id DESC LIMIT 1`,
      )
      .get(b.agent, b.pid, recent) as MissionRow | undefined;
    if (byPid) return byPid;
  }
  return db
    .prepare(`SELECT * FROM missions WHERE agent = ? AND end_reason = 'clear' AND ended_at >= ? AND cwd IS ? ORDER BY ended_at DESC LIMIT 1`)
    .get(b.agent, recent, b.cwd ?? null) as MissionRow | undefined;
}
