import type { AgentEvent } from '../agents/types.js';
import { record } from '../activity.js';
import { git } from '../git.js';
import { writeJournal } from '../missions/journal.js';
import { getMission, missionBySession } from '../missions/missions.js';
import { write } from '../store/write.js';
import { iso } from '../time.js';
import { openWorld } from '../world/open.js';

/** PreCompact: remember what the mission holds and has done, so the post-compaction context can say it. Never blocks. */
export async function preCompact(ev: AgentEvent, env: Record<string, string | undefined>, now: Date): Promise<Record<string, unknown> | undefined> {
  if (!ev.sessionId) return undefined;
  const w = await openWorld({ cwd: ev.cwd, env, now: () => now }, { create: 'never', busyMs: 3000, catchUp: true });
  if (!w) return undefined;
  const { db } = w;
  try {
    const m = missionBySession(db, ev.sessionId);
    if (!m) return undefined;
    const at = iso(now);
    const claims = (db.prepare('SELECT task_id FROM claims WHERE mission_id = ? AND released_at IS NULL').all(m.id) as { task_id: string }[]).map((c) => c.task_id);
    const commits = db.prepare('SELECT sha, subject FROM commits WHERE mission_id = ? ORDER BY at DESC LIMIT 10').all(m.id) as { sha: string; subject: string }[];
    const status = git(['status', '--porcelain', '--untracked-files=normal'], { cwd: w.repo.root, env });
    const changedFiles = (status.ok ? status.out : '')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.slice(3))
      .slice(0, 50);
    const checkpoint = { at, trigger: ev.reason ?? null, claims, commits, changedFiles };
    write(db, () => {
      db.prepare('UPDATE missions SET checkpoint = ?, last_seen_at = MAX(last_seen_at, ?) WHERE id = ?').run(JSON.stringify(checkpoint), at, m.id);
      record(db, { kind: 'mission.checkpoint', at, missionId: m.id, agent: m.agent, detail: { claims, commits: commits.length, changed: changedFiles.length } });
    });
    if (w.config.missions.journal) {
      try {
        writeJournal(db, w.journalDir, getMission(db, m.id)!);
      } catch {
        // view only
      }
    }
    return checkpoint;
  } finally {
    w.close();
  }
}
