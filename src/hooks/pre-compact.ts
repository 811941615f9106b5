import type { AgentAdapter, AgentEvent } from '../agents/types.js';
import { buildContext, checkpointLines } from '../context/build.js';
import { Deadline } from '../deadline.js';
import { errorMessage } from '../errors.js';
import { git } from '../git.js';
import { writeJournal } from '../missions/journal.js';
import { queueCheckpoint, takeCheckpoint, type Checkpoint } from '../missions/checkpoint.js';
import { getMission, missionBySession } from '../missions/missions.js';
import { hookLogPath, logHookError } from '../store/hook-log.js';
import { shimDir } from '../store/paths.js';
import { writeSessionState } from '../store/session-state.js';
import { isBusy } from '../store/write.js';
import { iso } from '../time.js';
import { locate } from '../world/locate.js';
import { openWorld, type World } from '../world/open.js';
// PreCompact spends its deadline as SessionStart does.
import { ATTEMPT_MS, CATCH_UP_MS, DB_MS, RESERVE_MS, background, sortieCommand } from './session-start.js';

/**
 * PreCompact: remember what the mission holds and has done, so the post-compaction context can
 * say it. For an agent that fires no start event after compacting, that context is built now:
 * left for the session's next event that can carry it (`compaction: 'deferred'`), or answered
 * right here with the checkpoint (`inline`: the agent's plugin injects it from then on). Never
 * blocks past its deadline: `git status` and the database waits take their time from it, and a
 * checkpoint that cannot be written in time is queued for the next sortie process.
 */
export async function preCompact(
  agent: AgentAdapter,
  ev: AgentEvent,
  env: Record<string, string | undefined>,
  now: Date,
  deadline: Deadline = Deadline.none(),
): Promise<{ checkpoint: Checkpoint; stdout: string | undefined } | undefined> {
  if (!ev.sessionId) return undefined;
  const session = ev.sessionId;
  const where = ev.projectDir;
  const at = iso(now);
  const changed = (root: string): string[] => {
    const status = git(['status', '--porcelain', '--untracked-files=normal'], { cwd: root, env, timeoutMs: deadline.within({ reserveMs: RESERVE_MS }).remaining() });
    return (status.ok ? status.out : '')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.slice(3))
      .slice(0, 50);
  };
  // A checkpoint that cannot be written now is queued, as of now, for the next sortie process.
  const queue = (dbFile: string, root: string, why: unknown) => {
    queueCheckpoint(dbFile, { session, at, trigger: ev.reason ?? null, changedFiles: changed(root) }, `${now.getTime()}-${process.pid}`);
    logHookError(hookLogPath(locate(where, env)?.repo, env), { agent: ev.agent, event: 'PreCompact', warning: `${errorMessage(why)}; the checkpoint is queued` });
  };
  const dbDeadline = deadline.within({ reserveMs: RESERVE_MS, maxMs: DB_MS });
  let w: World | undefined;
  try {
    w = await openWorld({ cwd: where, env, now: () => now }, { create: 'never', busyMs: ATTEMPT_MS, deadline: dbDeadline, catchUp: true, skipWhenBusy: CATCH_UP_MS });
  } catch (e) {
    const loc = locate(where, env);
    if (!isBusy(e) || !loc?.exists) throw e;
    queue(loc.dbFile, loc.repo?.root ?? where, e);
    return undefined;
  }
  if (!w) return undefined;
  const { db } = w;
  try {
    const m = missionBySession(db, session);
    if (!m) {
      // Its start may be queued behind the same lock: the checkpoint waits with it.
      if (w.stale) queue(w.dbFile, w.repo.root, w.stale);
      return undefined;
    }
    // Catching up already met the lock: a checkpoint is not worth the rest of the wait.
    if (w.stale) {
      queue(w.dbFile, w.repo.root, w.stale);
      return undefined;
    }
    let checkpoint: Checkpoint;
    try {
      checkpoint = takeCheckpoint(db, m, { at, trigger: ev.reason ?? null, changedFiles: changed(w.repo.root) });
    } catch (e) {
      if (!isBusy(e)) throw e;
      queue(w.dbFile, w.repo.root, e);
      return undefined;
    }
    const mission = getMission(db, m.id)!;
    if (w.config.missions.journal) {
      try {
        writeJournal(db, w.journalDir, mission);
      } catch {
        // view only
      }
    }
    let stdout: string | undefined;
    if (agent.compaction === 'deferred' || agent.compaction === 'inline') {
      const bin = shimDir(w.dbFile);
      const context = buildContext({ db, config: w.config, mission, source: 'compact', sortie: sortieCommand(agent, bin) });
      if (agent.compaction === 'deferred') writeSessionState(w.dbFile, session, 'context', context);
      else {
        const held = checkpoint.claims.length ? `holds ${checkpoint.claims.join(', ')}` : 'holds no task';
        const summary = [`sortie: mission #${mission.id} "${mission.codename}" (${mission.agent}) ${held}.`, ...checkpointLines(checkpoint)].join('\n');
        stdout = agent.contextOutput(ev.event, context, { mission: mission.id, bin, checkpoint: summary });
      }
    }
    background(w, env, now);
    return { checkpoint, stdout };
  } finally {
    w.close();
  }
}
