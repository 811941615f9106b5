import type { AgentAdapter, HookLine, RepoFiles, SetupContext } from '../agents/types.js';
import type { Env } from '../git.js';
import { hookCommand, isSortieCommand } from './command.js';

/**
 * What the install handlers hand an agent's setup: the one shell line its config runs
 * (install/command.ts decides how sortie is found at run time, for every agent alike). `from` is
 * where the command runs (a workspace package may hold sortie in its own node_modules).
 */
export function hookLine(root: string, agent: AgentAdapter, from: string = root): HookLine {
  return {
    command: (event) => hookCommand(root, agent.name, event, agent.projectVar, from),
    isOurs: isSortieCommand,
  };
}

/** For setups that only read (doctor, a trust gate's state): a repository file changes only inside init's or uninstall's transaction. */
const readOnly: RepoFiles = {
  write(file) {
    throw new Error(`${file}: an agent's setup wrote outside init's transaction`);
  },
  mkdir(dir) {
    throw new Error(`${dir}: an agent's setup wrote outside init's transaction`);
  },
  remove(file) {
    throw new Error(`${file}: an agent's setup removed a file outside uninstall's transaction`);
  },
};

export function setupContext(root: string, env: Env, agent: AgentAdapter, o: { dryRun?: boolean; from?: string; files?: RepoFiles } = {}): SetupContext {
  return { root, env, dryRun: o.dryRun ?? false, line: hookLine(root, agent, o.from), files: o.files ?? readOnly };
}
