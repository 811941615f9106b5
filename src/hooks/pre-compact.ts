import type { AgentEvent } from '../agents/types.js';
import { git } from '../git.js';
import { writeJournal } from '../missions/journal.js';
import { takeCheckpoint, type Checkpoint } from '../missions/checkpoint.js';
import { getMission, missionBySession } from '../missions/missions.js';
import { iso } from '../time.js';
import { openWorld } from '../world/open.js';

/** PreCompact: remember what the mission holds and has done, so the post-compaction context can say it. Never blocks. */
export async function preCompact(ev: AgentEvent, env: Record<string, string | undefined>, now: Date): Promise<Checkpoint | undefined> {
  if (!ev.sessionId) return undefined;
  const w = await openWorld({ cwd: ev.cwd, env, now: () => now }, { create: 'never', busyMs: 3000, catchUp: true });
  if (!w) return undefined;
  const { db } = w;
  try {
    const m = missionBySession(db, ev.sessionId);
    if (!m) return undefined;
    const at = iso(now);
    const status = git(['status', '--porcelain', '--untracked-files=normal'], { cwd: w.repo.root, env });
    const changedFiles = (status.ok ? status.out : '')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.slice(3))
      .slice(0, 50);
    const checkpoint = takeCheckpoint(db, m, { at, trigger: ev.reason ?? null, changedFiles });
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
