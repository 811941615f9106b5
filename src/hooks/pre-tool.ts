import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AgentAdapter, AgentEvent } from '../agents/types.js';
import { findRepo, git, type Env } from '../git.js';
import { commitCalls, type CommitCall } from '../guard/commit-line.js';
// The pre-tool guard spends its deadline as the git hooks' guard does.
import { ATTEMPT_MS, CATCH_UP_MS, RESERVE_MS, inHistoryOperation, judge, preCommitRefs } from '../guard/git-hook.js';
import { guardMessages } from '../guard/messages.js';
import type { Reference } from '../guard/references.js';
import type { Actor } from '../guard/verdict.js';
import { missionByAncestry } from '../missions/identity.js';
import { missionBySession } from '../missions/missions.js';
import { writeSessionState } from '../store/session-state.js';
import { findIds } from '../tasks/ids.js';
import { Deadline } from '../deadline.js';
import { colors } from '../ui.js';
import { openWorld, refresh, type World } from '../world/open.js';
import { preToolAnswer } from './light.js';
import { hookMessages } from './messages.js';

/**
 * The commit guard for an agent whose `git commit` runs no git hook (`gitHooksRun: false`): the
 * pre-tool hook judges the command line before the agent's shell runs it, with the git hooks'
 * own decision and message (guard/git-hook.ts: pre-commit's references first, then the
 * message's), and denies it in the agent's format. What git would skip, this skips too
 * (`--no-verify`, `SORTIE_SKIP=1`, a merge or rebase in progress). An allowed commit leaves HEAD
 * in the session's state, for the post-tool hook to record what it committed.
 */
export async function preToolGuard(agent: AgentAdapter, ev: AgentEvent, io: { env: Env; ppid: number; pid: number }, now: Date, deadline: Deadline = Deadline.none()): Promise<string | undefined> {
  const { env } = io;
  const command = ev.tool?.command;
  if (!command || !ev.sessionId) return undefined;
  const calls = commitCalls(command).filter((c) => !c.skip);
  // The guard's waits on the database end inside the hook's deadline, like the git hooks' (a held
  // lock is not waited out: the verdict needs only reads, and its record is queued).
  const w = await openWorld({ cwd: ev.projectDir, env, now: () => now }, { create: 'never', busyMs: ATTEMPT_MS, deadline: deadline.within({ reserveMs: RESERVE_MS }) });
  if (!w) return undefined;
  try {
    const answer = preToolAnswer(agent, ev, w.dbFile, command, io);
    if (calls.length === 0) return agent.preToolOutput?.(ev.event, answer, ev);
    refresh(w, { sync: 'quick', catchUp: true, skipWhenBusy: CATCH_UP_MS }, { env, now: () => now });
    // A subagent's session was never announced: its commit acts for the agent process it runs under.
    const m = missionBySession(w.db, ev.sessionId) ?? missionByAncestry(w.db, io.pid);
    const actor: Actor = { mission: m && !m.ended_at ? m : undefined, kind: 'agent' };
    for (const call of calls) {
      const denied = judgeCall(w, actor, call, ev.cwd, env, now);
      // Judged before the line runs: a claim earlier in the same line has not happened yet.
      if (denied) return agent.preToolOutput?.(ev.event, { deny: /\btask\s+claim\b/.test(command) ? `${denied}${hookMessages.claimFirst()}` : denied }, ev);
    }
    const head = git(['rev-parse', '-q', '--verify', 'HEAD'], { cwd: ev.cwd, env });
    writeSessionState(w.dbFile, ev.sessionId, 'head', `${head.ok ? head.out : ''}\n${actor.mission?.id ?? ''}\n${ev.cwd}\n`);
    return agent.preToolOutput?.(ev.event, answer, ev);
  } finally {
    w.close();
  }
}

/** The guard's message when this call would be blocked, else undefined. */
function judgeCall(w: World, actor: Actor, call: CommitCall, cwd: string, env: Env, now: Date): string | undefined {
  if (call.noVerify) return undefined;
  const dir = call.dir ? resolve(cwd, call.dir) : cwd;
  // A commit in another repository is that repository's business.
  if (findRepo(dir)?.commonDir !== w.repo.commonDir || inHistoryOperation(w.repo)) return undefined;
  const plain = colors({ env: { NO_COLOR: '1' }, stdout: {} });
  const pre = preCommitRefs(w, env, { all: call.all });
  if (pre.length) {
    const { blocks } = judge(w, actor, pre, 'pre-commit', now);
    if (blocks.length) return guardMessages.blocked(blocks, plain, 'pre-commit');
  }
  // A message given on the command line is not edited: git keeps its # lines (whitespace cleanup)
  // unless told otherwise, so every line is judged (guard/commit-message.ts: never less than git keeps).
  const refs: Reference[] = findIds(messageOf(call, dir, env), w.config).map((id) => ({ id, source: 'message' }));
  if (refs.length === 0) return undefined;
  const { blocks } = judge(w, actor, refs, 'commit-msg', now);
  return blocks.length ? guardMessages.blocked(blocks, plain, 'commit-msg') : undefined;
}

/** The message the commit will have, as far as the command line says it. */
function messageOf(call: CommitCall, dir: string, env: Env): string {
  if (call.messages.length) return call.messages.join('\n\n');
  if (call.file) {
    try {
      return readFileSync(resolve(dir, call.file), 'utf8');
    } catch {
      return '';
    }
  }
  if (call.reuse || call.amend) {
    const r = git(['log', '-1', '--format=%B', call.reuse ?? 'HEAD', '--'], { cwd: dir, env });
    return r.ok ? r.out : '';
  }
  return '';
}
