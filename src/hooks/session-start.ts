import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';
import type { AgentAdapter, AgentEvent } from '../agents/types.js';
import { buildContext } from '../context/build.js';
import { currentBranch } from '../git.js';
import { writeJournal } from '../missions/journal.js';
import { startAfterClear } from '../missions/clear.js';
import { missionBySession, reapMissions, reattachMission, reopenMission, startMission, type MissionRow } from '../missions/missions.js';
import { agentPid, processStart } from '../missions/process.js';
import { shimDir } from '../store/paths.js';
import { processKey } from './light.js';
import { clearSessionState, writeSessionState } from '../store/session-state.js';
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
 * source, give the agent's shell commands the mission (its env file, or the per-session file its
 * command rewrite reads), and return the context in the agent's format.
 */
export async function sessionStart(agent: AgentAdapter, ev: AgentEvent, env: Record<string, string | undefined>, now: Date, ppid: number): Promise<StartResult | undefined> {
  mark('start');
  const w = await openWorld({ cwd: ev.projectDir, env, now: () => now }, { create: 'if-opted-in', busyMs: 3000, sync: 'quick', catchUp: true });
  if (!w) return undefined;
  const { db, repo, config } = w;
  try {
    const at = iso(now);
    const pid = agentPid(env, ppid, agent.pidVars);
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
    } else if (existing && !existing.ended_at) {
      // The same session started twice (duplicate hook entries, an editor running Claude's hooks,
      // pi announcing a new session twice): one mission. A real /clear comes with a new session id.
      mission = existing;
    } else if (source === 'clear') {
      const r = startAfterClear(db, base, at);
      mission = r.mission;
      inherited = r.inherited;
    } else {
      mission = startMission(db, base);
    }

    mark('mission');
    const bin = ensureShim(w.dbFile);
    const envFile = agent.shell.envFile?.(env);
    if (envFile) exportMission(envFile, mission.id, bin);
    if (agent.shell.rewrite && pid && pidStart) writeSessionState(w.dbFile, processKey(pid), 'mission', `${mission.id}\n${pidStart}`);
    if (ev.sessionId) {
      if (agent.shell.rewrite) writeSessionState(w.dbFile, ev.sessionId, 'mission', `${mission.id}\n`);
      // This start gives the whole context: nothing is left to re-inject.
      if (agent.compaction === 'deferred') clearSessionState(w.dbFile, ev.sessionId, ['context']);
    }
    if (config.missions.journal) {
      try {
        mission = { ...mission, journal_path: writeJournal(db, w.journalDir, mission) };
      } catch {
        // A journal is a convenience: a read-only tree must not cost the agent its context.
      }
    }
    mark('journal');
    const context = buildContext({ db, config, mission, source, reaped, inherited, sortie: sortieCommand(agent, bin) });
    mark('context');
    return { mission, context, stdout: agent.contextOutput(ev.event, context, { mission: mission.id, bin }) ?? '' };
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
 * How the context names sortie: `sortie` where the agent's shell has the shim on PATH (its env
 * file or its command rewrite put it there), else the shim's absolute path (Codex runs a login
 * shell that re-derives PATH; Copilot's shell has the user's PATH, which may lack sortie).
 */
export function sortieCommand(agent: AgentAdapter, bin: string | undefined): string {
  if (agent.shell.sortieOnPath || !bin) return 'sortie';
  const path = join(bin, 'sortie');
  return /^[A-Za-z0-9_./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}

/**
 * The context tells the agent to run `sortie ...`, which must then work in its shell whether
 * sortie is installed in the project, globally, or run from a checkout: a two-line shim beside the
 * database (machine-local, never committed) that runs this very install.
 */
function ensureShim(dbFile: string): string | undefined {
  const dir = shimDir(dbFile);
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
