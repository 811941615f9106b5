import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { packageRoot } from '../package-root.js';
import type { AgentAdapter, AgentEvent } from '../agents/types.js';
import { buildContext } from '../context/build.js';
import { currentBranch } from '../git.js';
import { writeJournal } from '../missions/journal.js';
import { startAfterClear } from '../missions/clear.js';
import { missionBySession, reapMissions, reattachMission, reopenMission, startMission, type MissionRow } from '../missions/missions.js';
import { agentPid, processStart } from '../missions/process.js';
import { iso } from '../time.js';
import { openWorld } from '../world/open.js';
import { mark } from '../trace.js';

export interface StartResult {
  mission: MissionRow;
  context: string;
  stdout: string;
}

/**
 * SessionStart: reap the dead, then start, reattach to, or continue a mission depending on the
 * source, export SORTIE_MISSION for the agent's shell commands, and return the context.
 */
export async function sessionStart(agent: AgentAdapter, ev: AgentEvent, env: Record<string, string | undefined>, now: Date, ppid: number): Promise<StartResult | undefined> {
  mark('start');
  const w = await openWorld({ cwd: ev.cwd, env, now: () => now }, { create: 'if-opted-in', busyMs: 3000, sync: 'quick', catchUp: true });
  if (!w) return undefined;
  const { db, repo, config } = w;
  try {
    const at = iso(now);
    const pid = agentPid(env, ppid);
    const pidStart = pid ? processStart(pid) : undefined;
    const existing = ev.sessionId ? missionBySession(db, ev.sessionId) : undefined;
    const reaped = reapMissions(db, { now, staleAfter: config.missions.staleAfter, except: existing?.id });
    mark('reaped');
    const branch = currentBranch(repo);
    const base = {
      agent: ev.agent,
      sessionId: ev.sessionId,
      transcriptPath: ev.transcriptPath,
      cwd: ev.cwd,
      worktree: repo.root,
      branch,
      pid,
      pidStart,
      at,
    };

    let mission: MissionRow;
    let inherited: { from: string; tasks: string[] } | undefined;
    const source = ev.source ?? 'startup';
    if ((source === 'resume' || source === 'compact') && existing) {
      mission = existing.ended_at ? reopenMission(db, existing, at) : existing;
      mission = reattachMission(db, mission, { at, pid, pidStart, branch, transcriptPath: ev.transcriptPath });
    } else if (existing && !existing.ended_at && source !== 'clear') {
      // The same session started twice (duplicate hook entries, or an editor running Claude's hooks): one mission.
      mission = existing;
    } else if (source === 'clear') {
      const r = startAfterClear(db, base, at);
      mission = r.mission;
      inherited = r.inherited;
    } else {
      mission = startMission(db, base);
    }

    mark('mission');
    const envFile = agent.envFile(env);
    if (envFile) exportMission(envFile, mission.id, ensureShim(w.dbFile));
    if (config.missions.journal) {
      try {
        mission = { ...mission, journal_path: writeJournal(db, w.journalDir, mission) };
      } catch {
        // A journal is a convenience: a read-only tree must not cost the agent its context.
      }
    }
    mark('journal');
    const context = buildContext({ db, config, mission, source, reaped, inherited, here: w.tasksDir });
    mark('context');
    return { mission, context, stdout: agent.startOutput(context) };
  } finally {
    w.close();
    mark('closed');
  }
}

/**
 * Appends `export SORTIE_MISSION=<id>` once (and puts the `sortie` shim on PATH); the agent
 * sources the file before each shell command.
 */
function exportMission(file: string, id: number, binDir?: string): void {
  const line = `export SORTIE_MISSION=${id}`;
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    // not there yet
  }
  const add: string[] = [];
  const lines = text.split('\n').filter((l) => l.startsWith('export SORTIE_MISSION='));
  if (lines[lines.length - 1] !== line) add.push(line);
  const pathLine = binDir ? `export PATH="${binDir}:$PATH"` : undefined;
  if (pathLine && !text.includes(pathLine)) add.push(pathLine);
  if (add.length) appendFileSync(file, `${text && !text.endsWith('\n') ? '\n' : ''}${add.join('\n')}\n`);
}

/**
 * The context tells the agent to run `sortie ...`, which must then work in its shell whether
 * sortie is installed in the project, globally, or run from a checkout: a two-line shim beside the
 * database (machine-local, never committed) that runs this very install.
 */
function ensureShim(dbFile: string): string | undefined {
  const dir = join(dirname(dbFile), 'bin');
  const shim = join(dir, 'sortie');
  const text = `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(packageRoot(), 'bin', 'sortie.js'))} "$@"\n`;
  try {
    if (existsSync(shim) && readFileSync(shim, 'utf8') === text) return dir;
    mkdirSync(dir, { recursive: true });
    writeFileSync(shim, text, { mode: 0o755 });
    return dir;
  } catch {
    return undefined;
  }
}
