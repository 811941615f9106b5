import type { AgentAdapter, HookLine, SetupContext } from '../agents/types.js';
import type { Env } from '../git.js';
import { hookCommand, isSortieCommand } from './command.js';

/**
 * What the install handlers hand an agent's setup: the one shell line its config runs
 * (install/command.ts decides how sortie is found at run time, for every agent alike).
 */
export function hookLine(root: string, agent: AgentAdapter): HookLine {
  return {
    command: (event) => hookCommand(root, agent.name, event, agent.projectVar),
    isOurs: isSortieCommand,
  };
}

export function setupContext(root: string, env: Env, agent: AgentAdapter, dryRun = false): SetupContext {
  return { root, env, dryRun, line: hookLine(root, agent) };
}
