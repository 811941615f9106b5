import type { Writable } from 'node:stream';
import type { Env } from './git.js';

/** The world a command or hook runs in. Nothing below the entries reads process.* directly. */
export interface Ctx {
  cwd: string;
  env: Env;
  now: () => Date;
  stdout: Writable;
  stderr: Writable;
  /** This process's pid: identity by ancestry starts from it (missions/identity.ts). */
  pid?: number | undefined;
}

export function processCtx(): Ctx {
  return { cwd: process.cwd(), env: process.env, now: () => new Date(), stdout: process.stdout, stderr: process.stderr, pid: process.pid };
}
