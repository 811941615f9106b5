import { join } from 'node:path';
import { record } from '../activity.js';
import type { SortieConfig } from '../config/types.js';
import { git, type Env, type Repo } from '../git.js';
import { findIds } from '../tasks/ids.js';
import { getMission, missionBySession, type MissionRow } from './missions.js';
import type { Database } from '../store/open.js';
import { write } from '../store/write.js';
import { iso } from '../time.js';
import { takeQueue } from '../store/queue.js';

/**
 * post-commit does not start Node: the shell runner writes one queue entry per commit,
 * `<state>/pending/commit-<sha>` (sha, SORTIE_MISSION, the agent's session id, what commit-msg
 * learned, the branch), and the next sortie process that opens the database records it
 * (store/queue.ts). A commit costs one Node start at most.
 */

/** What commit-msg leaves for post-commit (in the worktree's git dir): the acting mission and the tasks. */
export function markerFile(repo: Repo): string {
  return join(repo.gitDir, 'sortie-commit');
}

interface Marker {
  mission?: number | null;
  tasks?: string[];
}

/** Records pending commits. Safe to call from any process at any time; it does nothing when none wait. */
export function drainPendingCommits(db: Database, dbFile: string, repo: Repo, config: SortieConfig, env: Env, now: Date): number {
  const q = takeQueue(dbFile, 'commit', now);
  const lines = q.entries.map((e) => e.line);
  const entries = lines
    .map((l) => {
      const [sha = '', missionEnv = '', session = '', marker = '', branch = ''] = l.split('\t');
      let m: Marker = {};
      try {
        m = marker ? (JSON.parse(marker) as Marker) : {};
      } catch {
        m = {};
      }
      return { sha: sha.trim(), missionEnv: missionEnv.trim(), session: session.trim(), marker: m, branch: branch.trim() };
    })
    .filter((e) => /^[0-9a-f]{40,64}$/.test(e.sha));
  if (entries.length === 0) {
    q.entries.forEach((e) => q.done(e.file));
    return 0;
  }
  const log = git(['log', '--no-walk=unsorted', '--format=%H%x00%cI%x00%x00%B%x1e', ...entries.map((e) => e.sha)], { cwd: repo.root, env, indexFrom: repo });
  const info = new Map<string, { at: string; refs: string; body: string }>();
  if (log.ok) {
    for (const chunk of log.out.split('\x1e')) {
      const [sha = '', at = '', refs = '', body = ''] = chunk.replace(/^\n/, '').split('\0');
      if (sha) info.set(sha, { at: iso(Date.parse(at)), refs, body });
    }
  }
  let n = 0;
  write(db, () => {
    const isTask = db.prepare('SELECT 1 FROM tasks WHERE id = ?');
    for (const e of entries) {
      const c = info.get(e.sha);
      const body = c?.body ?? '';
      const at = c?.at ?? iso(now);
      const byEnv = e.missionEnv && /^\d+$/.test(e.missionEnv) ? getMission(db, Number(e.missionEnv)) : undefined;
      const bySession = !byEnv && e.session ? missionBySession(db, e.session) : undefined;
      const byMarker = !byEnv && !bySession && e.marker.mission ? getMission(db, e.marker.mission) : undefined;
      const mission = byEnv ?? bySession ?? byMarker;
      // %B is the message git kept (cleaned up already): every line of it counts.
      const tasks = [...new Set([...(e.marker.tasks ?? []), ...findIds(body, config)])].filter((id) => isTask.get(id));
      if (!mission && tasks.length === 0) continue;
      if (recordCommit(db, { sha: e.sha, mission, at, branch: e.branch || null, subject: body.split('\n')[0] ?? '', tasks })) n++;
    }
  });
  q.entries.forEach((e) => q.done(e.file));
  return n;
}

export interface CommitRecord {
  sha: string;
  mission: MissionRow | undefined;
  at: string;
  branch: string | null;
  subject: string;
  tasks: string[];
}

/**
 * The one place a commit is recorded (in the caller's transaction): its row, the activity entry,
 * and a sign of life for its mission. Recording the same sha twice changes nothing.
 */
export function recordCommit(db: Database, c: CommitRecord): boolean {
  const r = db
    .prepare('INSERT OR IGNORE INTO commits (sha, mission_id, at, branch, subject, tasks) VALUES (?, ?, ?, ?, ?, ?)')
    .run(c.sha, c.mission?.id ?? null, c.at, c.branch, c.subject, JSON.stringify(c.tasks));
  if (r.changes === 0) return false;
  record(db, { kind: 'commit.recorded', at: c.at, missionId: c.mission?.id, agent: c.mission?.agent ?? 'human', taskId: c.tasks[0], detail: { sha: c.sha, subject: c.subject.slice(0, 200), tasks: c.tasks, branch: c.branch } });
  if (c.mission) db.prepare('UPDATE missions SET last_seen_at = MAX(last_seen_at, ?) WHERE id = ?').run(c.at, c.mission.id);
  return true;
}
