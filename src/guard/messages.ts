import type { Colors } from '../ui.js';
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
      const what = `${c.bold(k.id)}${k.title ? ` "${k.title.replace(/\s+/g, ' ').slice(0, 60)}"` : ''} (named in the ${sourceName(k.source)})`;
      lines.push(`  ${what}`);
      lines.push(`    why: ${reasonText(k)}`);
      lines.push(`    fix: ${fixFor(k, sortie)}`);
    }
    lines.push(`  to commit anyway: SORTIE_SKIP=1 git commit ...   or   git commit --no-verify`);
    return `${lines.join('\n')}\n`;
  },
  warned(checks: Check[], c: Colors): string {
    return `${checks.map((k) => `${c.yellow('sortie: warning:')} ${k.id} ${reasonText(k)}${k.reason === 'unknown' ? ` (create it: sortie task new "<title>", or ignore this)` : ''}`).join('\n')}\n`;
  },
  internalAllowed(error: string): string {
    return `sortie: the commit guard failed (${error}); the commit goes ahead (guard.onError = allow)\n`;
  },
  internalBlocked(error: string): string {
    return `sortie: commit blocked: the commit guard failed (${error}) and guard.onError = block\n  to commit anyway: SORTIE_SKIP=1 git commit ...   or   git commit --no-verify\n`;
  },
  /** post-commit and post-checkout only record: their failure never stops git. */
  recordingFailed(hook: string, error: string): string {
    return `sortie: ${hook} hook failed: ${error} (the git operation is not affected)\n`;
  },
  branchState(id: string, check: Check | undefined, self: number | undefined): string {
    if (!check || check.reason === 'unknown') return '';
    if (check.holder) {
      const mine = self !== undefined && check.holder.mission === self;
      return mine ? `sortie: ${id} is yours (${check.holder.codename})\n` : `sortie: ${id} is held by ${holderText(check)}; pick another task or ask them to hand it off\n`;
    }
    if (check.status === 'COMPLETE' || check.status === 'ABORTED') return `sortie: ${id} is ${check.status}\n`;
    return `sortie: ${id} is not claimed; before committing on it: sortie task claim ${id}\n`;
  },
};

function sourceName(s: Check['source']): string {
  return s === 'message' ? 'commit message' : s === 'branch' ? 'branch name' : 'staged task file';
}

function holderText(k: Check): string {
  const h = k.holder!;
  const who = h.person ? `${h.codename} (${h.person})` : `${h.codename} (${h.agent})`;
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
      return `is ${k.status}`;
    default:
      return k.reason;
  }
}

function fixFor(k: Check, sortie: string): string {
  switch (k.reason) {
    case 'unclaimed':
      return `${sortie} task claim ${k.id}`;
    case 'held-by-other':
      return k.holder?.person
        ? `ask ${k.holder.person} to run \`sortie task release ${k.id}\`, or leave ${k.id} out of this commit`
        : `leave ${k.id} to ${k.holder?.codename}, or (a person) take it over: sortie task release ${k.id} --force && sortie task claim ${k.id}`;
    case 'unknown':
      return `check the id (sortie task list), or create it: sortie task new "<title>"`;
    case 'closed':
      return `reopen it if this is more work on it: ${sortie} task claim ${k.id} --force`;
    default:
      return 'sortie status';
  }
}
