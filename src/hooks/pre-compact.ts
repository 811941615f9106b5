import type { AgentAdapter, AgentEvent } from '../agents/types.js';
import { buildContext, checkpointLines } from '../context/build.js';
import { git } from '../git.js';
import { writeJournal } from '../missions/journal.js';
import { takeCheckpoint, type Checkpoint } from '../missions/checkpoint.js';
import { getMission, missionBySession } from '../missions/missions.js';
import { shimDir } from '../store/paths.js';
import { writeSessionState } from '../store/session-state.js';
import { iso } from '../time.js';
import { openWorld } from '../world/open.js';
import { sortieCommand } from './session-start.js';

/**
 * PreCompact: remember what the mission holds and has done, so the post-compaction context can
 * say it. For an agent that fires no start event after compacting, that context is built now:
 * left for the session's next event that can carry it (`compaction: 'deferred'`), or answered
 * right here with the checkpoint (`inline`: the agent's plugin injects it from then on). Never
 * blocks.
 */
export async function preCompact(agent: AgentAdapter, ev: AgentEvent, env: Record<string, string | undefined>, now: Date): Promise<{ checkpoint: Checkpoint; stdout: string | undefined } | undefined> {
  if (!ev.sessionId) return undefined;
  const w = await openWorld({ cwd: ev.projectDir, env, now: () => now }, { create: 'never', busyMs: 3000, catchUp: true });
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
      if (agent.compaction === 'deferred') writeSessionState(w.dbFile, ev.sessionId, 'context', context);
      else {
        const held = checkpoint.claims.length ? `holds ${checkpoint.claims.join(', ')}` : 'holds no task';
        const summary = [`sortie: mission #${mission.id} "${mission.codename}" (${mission.agent}) ${held}.`, ...checkpointLines(checkpoint)].join('\n');
        stdout = agent.contextOutput(ev.event, context, { mission: mission.id, bin, checkpoint: summary });
      }
    }
    return { checkpoint, stdout };
  } finally {
    w.close();
  }
}
