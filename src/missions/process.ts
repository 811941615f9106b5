import { readFileSync } from 'node:fs';

/**
 * Process liveness for reaping. On Linux the start time from /proc is recorded with the pid, so a
 * recycled pid is not mistaken for the agent. Elsewhere signal 0 is the best available check.
 */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime); the command name (field 2) may contain spaces, so split after ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19];
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number, start: string | null | undefined): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (start) {
    const now = processStart(pid);
    if (now !== undefined && now !== start) return false;
  }
  return true;
}

function parentOf(pid: number): { ppid: number; comm: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(rest[1]), comm };
  } catch {
    return undefined;
  }
}

const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'fish', 'ash', 'busybox', 'env', 'timeout']);

/**
 * The ancestors of `pid` (its parent first), as far as /proc shows them, at most `max`. Linux
 * only: elsewhere there are none, and identity by ancestry does not apply.
 */
export function ancestors(pid: number, max = 32): number[] {
  const out: number[] = [];
  for (let p = parentOf(pid)?.ppid; p && p > 1 && out.length < max; p = parentOf(p)?.ppid) out.push(p);
  return out;
}

/**
 * The agent's pid for a hook process: the agent's own variable when it gives one (`pidVars`, from
 * its adapter), else the first ancestor that is not a shell wrapper (agents run hooks through
 * `sh -c`). Copilot's process is named `MainThread`, Codex's native binary `codex`: a name is
 * never what identifies an agent here.
 */
export function agentPid(env: Record<string, string | undefined>, selfPpid: number, pidVars: readonly string[] = []): number | undefined {
  for (const k of pidVars) {
    const v = Number(env[k]);
    if (Number.isInteger(v) && v > 1) return v;
  }
  let pid = selfPpid;
  for (let i = 0; i < 6 && pid > 1; i++) {
    const p = parentOf(pid);
    if (!p) return selfPpid > 1 ? selfPpid : undefined;
    if (!SHELLS.has(p.comm)) return pid;
    pid = p.ppid;
  }
  return undefined;
}
