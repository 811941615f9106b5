import { closeUnlessExiting } from '../store/open.js';
import { existsSync } from 'node:fs';
import type { AgentEvent } from '../agents/types.js';
import { findRepo } from '../git.js';
import { connect, dbPath } from '../store/open.js';
import { iso } from '../time.js';

/**
 * The cheapest hook: one UPDATE of last_seen_at. No config, no migrations, no task sync. If the
 * mission was reaped while its agent was merely quiet, the next sign of life reopens it.
 */
export function heartbeat(ev: AgentEvent, env: Record<string, string | undefined>, now: Date): 'touched' | 'reopened' | 'unknown' | 'no-db' {
  if (!ev.sessionId) return 'unknown';
  const repo = findRepo(ev.cwd);
  if (!repo && !env.SORTIE_DB) return 'no-db';
  const file = dbPath(repo, env, ev.cwd);
  if (!existsSync(file)) return 'no-db';
  const db = connect(file, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 2000');
    const at = iso(now);
    const r = db.prepare('UPDATE missions SET last_seen_at = ? WHERE session_id = ? AND ended_at IS NULL').run(at, ev.sessionId);
    if (r.changes > 0) return 'touched';
    const reaped = db.prepare("SELECT id FROM missions WHERE session_id = ? AND end_reason = 'abandoned' ORDER BY id DESC LIMIT 1").get(ev.sessionId) as
      | { id: number }
      | undefined;
    if (!reaped) return 'unknown';
    db.transaction(() => {
      db.prepare('UPDATE missions SET ended_at = NULL, end_reason = NULL, last_seen_at = ? WHERE id = ?').run(at, reaped.id);
      db.prepare("INSERT INTO activity (at, kind, mission_id, agent, detail) VALUES (?, 'mission.resumed', ?, ?, ?)").run(
        at,
        reaped.id,
        ev.agent,
        JSON.stringify({ reopened: true, by: 'heartbeat' }),
      );
    }).immediate();
    return 'reopened';
  } finally {
    closeUnlessExiting(db);
  }
}
