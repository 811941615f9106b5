import type { Colors } from '../ui.js';
import { forTerminal as term } from '../text.js';
import type { Check } from './verdict.js';

/**
 * What the commit guard says. Each message names the task, the reason, the command that fixes it,
 * and how to bypass: the person reading it is mid-commit and wants to get on.
 */
export const guardMessages = {
  /** `sortie` is how the committer's shell runs sortie (an agent whose PATH lacks it gets the shim's path). */
  blocked(checks: Check[], c: Colors, hook: string, sortie = 'sortie'): string {
    const lines = [c.red(c.bold(`sortie: commit blocked (${hook})`))];
    for (const k of checks) {
      const what = `${c.bold(term(k.id, 80))}${k.title ? ` "${term(k.title, 60)}"` : ''} (named in the ${sourceName(k.source)})`;
      lines.push(`  ${what}`);
      lines.push(`    why: ${reasonText(k)}`);
      lines.push(`    fix: ${fixFor(k, sortie)}`);
    }
    lines.push(`  to commit anyway: SORTIE_SKIP=1 git commit ...   or   git commit --no-verify`);
    return `${lines.join('\n')}\n`;
  },
  warned(checks: Check[], c: Colors): string {
    return `${checks.map((k) => `${c.yellow('sortie: warning:')} ${term(k.id, 80)} ${reasonText(k)}${k.reason === 'unknown' ? ` (create it: sortie task new "<title>", or ignore this)` : ''}`).join('\n')}\n`;
  },
  internalAllowed(error: string): string {
    return `sortie: the commit guard failed (${term(error, 300)}); the commit goes ahead (guard.onError = allow)\n`;
  },
  internalBlocked(error: string): string {
    return `sortie: commit blocked: the commit guard failed (${term(error, 300)}) and guard.onError = block\n  to commit anyway: SORTIE_SKIP=1 git commit ...   or   git commit --no-verify\n`;
  },
  /**
   * The database could not even be read (a process holds it in exclusive locking mode): not an
   * internal error, a lock, named with who holds it; guard.onError settles it.
   */
  locked(error: string, block: boolean): string {
    return block
      ? `sortie: commit blocked: the commit guard could not read the database: ${term(error, 400)}; guard.onError = block\n  to commit anyway: SORTIE_SKIP=1 git commit ...   or   git commit --no-verify\n`
      : `sortie: the commit guard could not read the database: ${term(error, 400)}; the commit goes ahead unchecked (guard.onError = allow)\n`;
  },
  /** post-commit and post-checkout only record: their failure never stops git. */
  recordingFailed(hook: string, error: string): string {
    return `sortie: ${hook} hook failed: ${term(error, 300)} (the git operation is not affected)\n`;
  },
  branchState(rawId: string, check: Check | undefined, self: number | undefined): string {
    const id = term(rawId, 80);
    if (!check || check.reason === 'unknown') return '';
    if (check.holder) {
      const mine = self !== undefined && check.holder.mission === self;
      return mine ? `sortie: ${id} is yours (${term(check.holder.codename, 60)})\n` : `sortie: ${id} is held by ${holderText(check)}; pick another task or ask them to hand it off\n`;
    }
    if (check.status === 'COMPLETE' || check.status === 'ABORTED') return `sortie: ${id} is ${check.status}${check.where ? ` ${check.where}` : ''}\n`;
    return `sortie: ${id} is not claimed; before committing on it: sortie task claim ${id}\n`;
  },
};

function sourceName(s: Check['source']): string {
  return s === 'message' ? 'commit message' : s === 'branch' ? 'branch name' : 'staged task file';
}

function holderText(k: Check): string {
  const h = k.holder!;
  const who = h.person ? `${term(h.codename, 60)} (${term(h.person, 80)})` : `${term(h.codename, 60)} (${term(h.agent, 40)})`;
  if (h.host) return `${who} in another clone on ${term(h.host, 80)} since ${h.since.slice(11, 16)} UTC${h.since.slice(0, 10) !== new Date().toISOString().slice(0, 10) ? ` on ${h.since.slice(0, 10)}` : ''}`;
  return `${who} since ${h.since.slice(11, 16)} UTC${h.since.slice(0, 10) !== new Date().toISOString().slice(0, 10) ? ` on ${h.since.slice(0, 10)}` : ''}`;
}

function reasonText(k: Check): string {
  switch (k.reason) {
    case 'unclaimed':
      return 'nobody has claimed it, so this commit would be unrecorded work on it';
    case 'held-by-other':
      return `it is held by ${holderText(k)}`;
    case 'unknown':
      return 'is not a known task';
    case 'closed':
      return `is ${term(k.status, 20)}${k.where ? ` ${term(k.where, 200)}` : ''}`;
    default:
      return k.reason;
  }
}

function fixFor(check: Check, sortie: string): string {
  const k = { ...check, id: term(check.id, 80) };
  switch (k.reason) {
    case 'unclaimed':
      return `${sortie} task claim ${k.id}`;
    case 'held-by-other':
      return k.holder?.person
        ? `ask ${term(k.holder.person, 80)} to run \`sortie task release ${k.id}\`, or leave ${k.id} out of this commit`
        : `leave ${k.id} to ${term(k.holder?.codename, 60)}, or (a person) take it over: sortie task release ${k.id} --force && sortie task claim ${k.id}`;
    case 'unknown':
      return `check the id (sortie task list), or create it: sortie task new "<title>"`;
    case 'closed':
      return `reopen it if this is more work on it: ${sortie} task claim ${k.id} --force`;
    default:
      return 'sortie status';
  }
}
