import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { record } from '../activity.js';
import { loadConfig } from '../config/load.js';
import type { SortieConfig } from '../config/types.js';
import { errorMessage } from '../errors.js';
import { currentBranch, findRepo, git, gitPersonKey, type Env, type Repo } from '../git.js';
import { hookLogPath, logHookError } from '../store/hook-log.js';
import { hookSettingsFile, shimDir } from '../store/paths.js';
import { findActingMission, livePersonMission } from '../missions/identity.js';
import { agentNamed, identityHints } from '../agents/index.js';
import { getMission, reapMissions, recordBranch } from '../missions/missions.js';
import { taskRow } from '../tasks/tasks.js';
import { guardMessages } from './messages.js';
import type { Database } from '../store/open.js';
import { write } from '../store/write.js';
import { iso } from '../time.js';
import { colors } from '../ui.js';
import { isTerminal } from '../lazy.js';
import { findIds, messageBody } from '../tasks/ids.js';
import { stagedTaskRefs, type Reference } from './references.js';
import { evaluate, type Actor, type Check } from './verdict.js';
import { markerFile, recordCommit } from '../missions/commits.js';
import { openWorld, refresh, type World } from '../world/open.js';

export interface GitHookIO {
  env: Env;
  cwd: string;
  stdout: Pick<Writable, 'write'>;
  stderr: Pick<Writable, 'write'>;
  now: () => Date;
  /** The hook process's pid, where identity by ancestry starts. */
  pid?: number | undefined;
}

/**
 * Entry for git hooks. pre-commit and commit-msg return 1 only for a real block (or an internal
 * error under `guard.onError: block`); the recording hooks always return 0.
 */
export async function runGitHook(hook: string, args: string[], io: GitHookIO): Promise<number> {
  if (io.env.SORTIE_SKIP === '1') return 0;
  const repo = findRepo(io.cwd);
  if (!repo) return 0;
  let config: SortieConfig | undefined;
  let w: World | undefined;
  try {
    // Loaded first: guard.onError decides what an error opening the database does to the commit.
    const loaded = await loadConfig(repo.root);
    config = loaded.config;
    // Not set up for this clone yet (no database): nothing to guard.
    w = await openWorld(io, { create: 'never', busyMs: 3000, config: loaded });
    if (!w) return 0;
    switch (hook) {
      case 'pre-commit':
      case 'commit-msg':
        return guard(hook, args, w, io);
      case 'post-commit':
        postCommit(w, io);
        return 0;
      case 'post-checkout':
        postCheckout(args, w, io);
        return 0;
      default:
        return 0;
    }
  } catch (e) {
    logHookError(hookLogPath(repo, io.env), { hook, error: errorMessage(e), stack: (e as Error).stack });
    const guarding = hook === 'pre-commit' || hook === 'commit-msg';
    if (guarding && config?.guard.onError === 'block') {
      io.stderr.write(guardMessages.internalBlocked(errorMessage(e)));
      return 1;
    }
    io.stderr.write(guarding ? guardMessages.internalAllowed(errorMessage(e)) : guardMessages.recordingFailed(hook, errorMessage(e)));
    return 0;
  } finally {
    w?.close();
  }
}

export function actorOf(db: Database, env: Env, repo: Repo, pid: number | undefined): Actor {
  const found = findActingMission(db, env, identityHints(pid));
  if (found && !found.mission.ended_at) return { mission: found.mission, kind: found.mission.kind };
  // A person: their personal mission, looked up by git identity (not created: no mission, no claims).
  return { mission: livePersonMission(db, gitPersonKey(repo.root, env)), kind: 'person' };
}

/** A merge integrates work already guarded; a rebase replays it. Neither is new work on a task. */
export function inHistoryOperation(repo: Repo): 'merge' | 'rebase' | undefined {
  if (existsSync(join(repo.gitDir, 'MERGE_HEAD'))) return 'merge';
  if (existsSync(join(repo.gitDir, 'rebase-merge')) || existsSync(join(repo.gitDir, 'rebase-apply'))) return 'rebase';
  return undefined;
}

function guard(hook: 'pre-commit' | 'commit-msg', args: string[], w: World, io: GitHookIO): number {
  const { repo, config } = w;
  if (inHistoryOperation(repo)) return 0;
  const refs: Reference[] = [];
  if (hook === 'commit-msg') {
    const msgFile = args[0] ? resolve(repo.root, args[0]) : join(repo.gitDir, 'COMMIT_EDITMSG');
    const text = messageBody(readFileSync(msgFile, 'utf8'));
    for (const id of findIds(text, config)) refs.push({ id, source: 'message' });
  } else refs.push(...preCommitRefs(w, io.env));
  if (refs.length === 0) return 0;
  const now = io.now();
  refresh(w, { sync: 'quick', catchUp: true }, { env: io.env, now: () => now });
  const actor = actorOf(w.db, io.env, repo, io.pid);
  const { checks, blocks, warns } = judge(w, actor, refs, hook, now);
  const c = colors({ env: io.env, stdout: { isTTY: isTerminal(2) } });
  if (warns.length) io.stderr.write(guardMessages.warned(warns, c));
  if (blocks.length) {
    io.stderr.write(guardMessages.blocked(blocks, c, hook, sortieFor(actor, w)));
    return 1;
  }
  if (hook === 'commit-msg') {
    // For post-commit, which records the commit without starting Node (missions/commits.ts).
    const tasks = checks.filter((k) => k.reason !== 'unknown').map((k) => k.id);
    writeFileSync(markerFile(repo), `${JSON.stringify({ mission: actor.mission?.id ?? null, tasks })}\n`);
  }
  return 0;
}

/** How the committing agent's shell runs sortie: the shim's path where `sortie` is not on its PATH. */
function sortieFor(actor: Actor, w: World): string {
  const agent = actor.kind === 'agent' && actor.mission ? agentNamed(actor.mission.agent) : undefined;
  return agent && !agent.shell.sortieOnPath ? join(shimDir(w.dbFile), 'sortie') : 'sortie';
}

/** What pre-commit checks: task ids in the branch name, and task files in progress that the commit changes (`all`: `git commit -a`, which stages tracked changes itself). */
export function preCommitRefs(w: World, env: Env, opts: { all?: boolean } = {}): Reference[] {
  const { repo, config } = w;
  const refs: Reference[] = [];
  if (config.guard.checkBranch) {
    const branch = currentBranch(repo);
    if (branch) for (const id of findIds(branch, config)) refs.push({ id, source: 'branch' });
  }
  if (config.guard.checkStagedTasks) refs.push(...stagedTaskRefs(repo, config, env, opts));
  return refs;
}

/**
 * The guard's verdict on `refs` for `actor`, blocks and warnings recorded in the activity log.
 * The one decision the git hooks and the agents' pre-tool hooks share (hooks/pre-tool.ts).
 */
export function judge(w: World, actor: Actor, refs: Reference[], hook: string, now: Date): { checks: Check[]; blocks: Check[]; warns: Check[] } {
  const { config, db } = w;
  // A claim held by an agent that died is not a reason to block: reap first (one kill(pid, 0) per
  // live agent mission; this path runs only for commits that name a task).
  reapMissions(db, { now, staleAfter: config.missions.staleAfter, except: actor.mission?.id });
  const checks = evaluate(db, config, actor, refs);
  const blocks = checks.filter((k) => k.verdict === 'block');
  const warns = checks.filter((k) => k.verdict === 'warn');
  const at = iso(now);
  if (blocks.length || warns.length) {
    write(db, () => {
      for (const k of blocks) record(db, { kind: 'commit.blocked', at, missionId: actor.mission?.id, agent: actor.mission?.agent ?? 'human', taskId: k.id, detail: { hook, reason: k.reason, source: k.source, holder: k.holder?.codename } });
      for (const k of warns) record(db, { kind: 'commit.warned', at, missionId: actor.mission?.id, agent: actor.mission?.agent ?? 'human', taskId: k.id, detail: { hook, reason: k.reason, source: k.source } });
    });
  }
  return { checks, blocks, warns };
}

function postCommit(w: World, io: GitHookIO): void {
  const { repo, config, db } = w;
  const log = git(['log', '-1', '--format=%H%x00%B'], { cwd: repo.root, env: io.env, indexFrom: repo });
  if (!log.ok) return;
  const [sha = '', body = ''] = log.out.split('\0');
  let actor = actorOf(db, io.env, repo, io.pid);
  const marker = markerFile(repo);
  if (existsSync(marker)) {
    try {
      const m = JSON.parse(readFileSync(marker, 'utf8') || '{}') as { mission?: number | null };
      if (!actor.mission && m.mission) actor = { ...actor, mission: getMission(db, m.mission) };
    } catch {
      // an empty or damaged marker says nothing
    }
    writeFileSync(marker, '');
  }
  const ids = findIds(messageBody(body), config).filter((id) => taskRow(db, id));
  if (!actor.mission && ids.length === 0) return;
  const commit = { sha, mission: actor.mission, at: iso(io.now()), branch: currentBranch(repo) ?? null, subject: body.split('\n')[0] ?? '', tasks: ids };
  write(db, () => recordCommit(db, commit));
}

function postCheckout(args: string[], w: World, io: GitHookIO): void {
  const { repo, config, db } = w;
  if (args[2] !== '1') return; // a file checkout, not a branch change
  const now = io.now();
  refresh(w, { sync: 'full', catchUp: true }, { env: io.env, now: () => now });
  ensureAbsoluteHooksPath(repo, io.env);
  const branch = currentBranch(repo);
  const actor = actorOf(db, io.env, repo, io.pid);
  if (actor.mission && actor.kind === 'agent') {
    recordBranch(db, actor.mission, { at: iso(now), branch, worktree: repo.root, from: args[0], to: args[1] });
  }
  if (!branch) return;
  const ids = findIds(branch, config);
  if (ids.length === 0) return;
  const checks = evaluate(db, config, actor, ids.map((id) => ({ id, source: 'branch' as const })));
  for (const id of ids) io.stderr.write(guardMessages.branchState(id, checks.find((k) => k.id === id), actor.mission?.id));
}

/**
 * husky's `prepare` resets core.hooksPath to the relative `.husky/_`, which does not resolve in
 * worktrees (the folder is ignored, so it is not checked out there). Put the absolute path back.
 */
function ensureAbsoluteHooksPath(repo: Repo, env: Env): void {
  try {
    const cfg = readFileSync(join(repo.commonDir, 'config'), 'utf8');
    const m = /^\s*hookspath\s*=\s*(.+)$/im.exec(cfg);
    if (!m || m[1]!.trim() !== '.husky/_') return;
    const main = resolve(repo.commonDir, '..');
    const abs = join(main, '.husky', '_');
    if (!existsSync(join(abs, 'h')) || !existsSync(hookSettingsFile(repo))) return;
    git(['config', 'core.hooksPath', abs], { cwd: main, env });
  } catch {
    // best effort
  }
}

