import type { Writable } from 'node:stream';
import type { Env } from '../git.js';

export interface GitHookIO {
  env: Env;
  cwd: string;
  stdout: Writable;
  stderr: Writable;
  now: () => Date;
}

/** Placeholder until the commit guard lands: git hooks pass. */
export async function runGitHook(_hook: string, _args: string[], _io: GitHookIO): Promise<number> {
  return 0;
}
