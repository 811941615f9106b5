import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { queueActivity, record, type ActivityInput } from '../activity.js';
import { Deadline } from '../deadline.js';
import { busyError, isBusy } from '../store/write.js';
import { cannotWrite, environmentError } from '../env-errors.js';
import { enqueue } from '../store/queue.js';
import { FILE_MODE } from '../files.js';
import { cleanupRules, commitArgs, commitConfig, keptMessage, mayBeDropped } from './commit-message.js';
import { loadConfig } from '../config/load.js';
import type { SortieConfig } from '../config/types.js';
import { errorMessage, isSortieError } from '../errors.js';
import { currentBranch, findRepo, git, gitPersonKey, type Env, type Repo } from '../git.js';
import { hookLogPath, logHookError } from '../store/hook-log.js';
import { dbPath, hookSettingsFile, shimDir } from '../store/paths.js';
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
import { findIds } from '../tasks/ids.js';
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
  /** When the hook process started (epoch ms): the guard's deadline counts from there. */
  started?: number;
  /** The hook process's parent: the `git commit` command line is found above it (commit-message.ts). */
  ppid?: number;
}

/**
 * The guard's own deadline: a commit waits on sortie at most this long, whatever the database
 * does. Each wait on the lock lasts at most ATTEMPT_MS; catching up on the queue gives up after
 * CATCH_UP_MS (the verdict only needs reads); RESERVE_MS is kept for what follows a wait that came
 * to nothing (queueing the record, saying why).
 */
const DEADLINE_MS = 3000;
export const ATTEMPT_MS = 500;
export const CATCH_UP_MS = 800;
export const RESERVE_MS = 500;

/**
 * Entry for git hooks. pre-commit and commit-msg return 1 only for a real block (or, under
 * `guard.onError: block`, an internal error or a database locked even for reading); the recording
 * hooks always return 0. A held write lock does not stop the guard: its verdict needs only reads
 * (WAL readers are not blocked by a writer), and what it records is queued when it cannot be
 * written in time.
 */
export async function runGitHook(hook: string, args: string[], io: GitHookIO): Promise<number> {
  if (io.env.SORTIE_SKIP === '1') return 0;
  const repo = findRepo(io.cwd);
  if (!repo) return 0;
  const deadline = Deadline.in(DEADLINE_MS, io.started);
  let config: SortieConfig | undefined;
  let w: World | undefined;
  const guarding = hook === 'pre-commit' || hook === 'commit-msg';
  try {
    // Loaded first: guard.onError decides what an error opening the database does to the commit.
    const loaded = await loadConfig(repo.root);
    config = loaded.config;
    // A fresh clone of a repository that opted in (its sortie config is committed) has no database
    // yet: the first hook that needs one creates it, so the guard is never silently off there.
    // A repository that never opted in gets nothing written.
    w = await openWorld(io, { create: 'if-opted-in', busyMs: ATTEMPT_MS, deadline: deadline.within({ reserveMs: RESERVE_MS }), config: loaded });
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
  } catch (caught) {
    const e = environmentError(caught) ?? caught;
    logHookError(hookLogPath(repo, io.env), { hook, error: errorMessage(e), code: (e as { code?: string }).code, stack: (caught as Error).stack });
    const block = guarding && config?.guard.onError === 'block';
    // Even reading is locked out (a connection in exclusive locking mode): said as a lock, with
    // who holds it, and settled by guard.onError.
    const locked = isBusy(e) ? (isSortieError(e) ? e : busyError(dbPath(repo, io.env, io.cwd), e)) : undefined;
    if (locked && guarding) {
      io.stderr.write(guardMessages.locked(locked.message, block));
      return block ? 1 : 0;
    }
    if (block) {
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
    const raw = readFileSync(msgFile, 'utf8');
    // Judge the message git will keep: its cleanup mode, comment character and cut line
    // (commit-message.ts), which cost a git process to learn. They can only drop lines, so they are
    // learnt only when a line naming something could be dropped; otherwise every line is judged.
    if (findIds(raw, config).length) {
      const kept = mayBeDropped(raw, config) ? keptMessage(raw, cleanupRules(raw, { edited: io.env.GIT_EDITOR !== ':', config: commitConfig(repo, io.env), args: commitArgs(io.ppid) })) : raw;
      for (const id of findIds(kept, config)) refs.push({ id, source: 'message' });
    }
  } else refs.push(...preCommitRefs(w, io.env));
  if (refs.length === 0) return 0;
  const now = io.now();
  // Catching up and reaping write; under a held lock they give up and the verdict is made from
  // what can be read.
  refresh(w, { sync: 'quick', catchUp: true, skipWhenBusy: CATCH_UP_MS }, { env: io.env, now: () => now });
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
    writeFileSync(markerFile(repo), `${JSON.stringify({ mission: actor.mission?.id ?? null, tasks })}\n`, { mode: FILE_MODE });
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
  // Under a held lock (the refresh already met it, or the reap does) the verdict is made without.
  if (!w.stale) {
    try {
      reapMissions(db, { now, staleAfter: config.missions.staleAfter, except: actor.mission?.id });
    } catch (e) {
      if (!isBusy(e) && !cannotWrite(e)) throw e;
      w.stale = errorMessage(e);
    }
  }
  const checks = evaluate(db, config, actor, refs, w.tasksDir);
  const blocks = checks.filter((k) => k.verdict === 'block');
  const warns = checks.filter((k) => k.verdict === 'warn');
  const at = iso(now);
  if (blocks.length || warns.length) {
    const rows: ActivityInput[] = [
      ...blocks.map((k): ActivityInput => ({ kind: 'commit.blocked', at, missionId: actor.mission?.id, agent: actor.mission?.agent ?? 'human', taskId: k.id, detail: { hook, reason: k.reason, source: k.source, holder: k.holder?.codename } })),
      ...warns.map((k): ActivityInput => ({ kind: 'commit.warned', at, missionId: actor.mission?.id, agent: actor.mission?.agent ?? 'human', taskId: k.id, detail: { hook, reason: k.reason, source: k.source } })),
    ];
    // The verdict stands whatever the lock does; its record waits in the queue when it cannot be
    // written in time.
    if (!tryWrite(w, () => rows.forEach((r) => record(db, r)))) tryQueue(() => queueActivity(w.dbFile, rows, `${now.getTime()}-${process.pid}`));
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
  // %B is the message git kept (cleaned up already): every line of it counts.
  const ids = findIds(body, config).filter((id) => taskRow(db, id));
  if (!actor.mission && ids.length === 0) return;
  const branch = currentBranch(repo) ?? null;
  const commit = { sha, mission: actor.mission, at: iso(io.now()), branch, subject: body.split('\n')[0] ?? '', tasks: ids };
  if (!tryWrite(w, () => recordCommit(db, commit))) {
    // Under a held lock: the same queue entry the shell runner writes (missions/commits.ts).
    tryQueue(() => enqueue(w.dbFile, 'commit', sha, [sha, actor.mission?.id ?? '', '', JSON.stringify({ mission: actor.mission?.id ?? null, tasks: ids }), branch ?? ''].join('\t')));
  }
}

/** Runs a write unless the database is known to be locked; false when it could not be done in time. */
function tryWrite(w: World, fn: () => void): boolean {
  if (w.stale) return false;
  try {
    write(w.db, fn);
    return true;
  } catch (e) {
    if (!isBusy(e) && !cannotWrite(e)) throw e;
    w.stale = errorMessage(e);
    return false;
  }
}

/** A queue entry, when even that can be written (not on a read-only folder or a full disk). */
function tryQueue(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (!cannotWrite(e)) throw e;
  }
}

function postCheckout(args: string[], w: World, io: GitHookIO): void {
  const { repo, config, db } = w;
  if (args[2] !== '1') return; // a file checkout, not a branch change
  const now = io.now();
  refresh(w, { sync: 'full', catchUp: true, skipWhenBusy: CATCH_UP_MS }, { env: io.env, now: () => now });
  ensureAbsoluteHooksPath(repo, io.env);
  const branch = currentBranch(repo);
  const actor = actorOf(db, io.env, repo, io.pid);
  if (actor.mission && actor.kind === 'agent' && !w.stale) {
    // Under a held lock the branch is not recorded now; the next checkout or start records it.
    try {
      recordBranch(db, actor.mission, { at: iso(now), branch, worktree: repo.root, from: args[0], to: args[1] });
    } catch (e) {
      if (!isBusy(e) && !cannotWrite(e)) throw e;
    }
  }
  if (!branch) return;
  const ids = findIds(branch, config);
  if (ids.length === 0) return;
  const checks = evaluate(db, config, actor, ids.map((id) => ({ id, source: 'branch' as const })), w.tasksDir);
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

