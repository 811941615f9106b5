import { claudeCode } from './claude-code/index.js';
import { codex } from './codex/index.js';
import { copilotCli } from './copilot-cli/index.js';
import { cursor } from './cursor/index.js';
import { geminiCli } from './gemini-cli/index.js';
import { opencode } from './opencode/index.js';
import { pi } from './pi/index.js';
import type { IdentityHints } from '../missions/identity.js';
import type { AgentAdapter } from './types.js';

/**
 * The registry: every agent sortie knows, in the order init, doctor and the docs list them.
 * Adding an agent is its folder and one line here (README.md in this folder).
 */
export const AGENT_LIST: readonly AgentAdapter[] = [claudeCode, codex, geminiCli, opencode, copilotCli, pi, cursor];

/** Adapters by name and by alias. */
export const AGENTS: Readonly<Record<string, AgentAdapter>> = Object.fromEntries(AGENT_LIST.flatMap((a) => [a.name, ...a.aliases].map((n) => [n, a])));

/** The adapter of a name or alias, if any. */
export function agentNamed(name: string): AgentAdapter | undefined {
  return Object.hasOwn(AGENTS, name) ? AGENTS[name] : undefined;
}

/**
 * The session variables, as agents' shells see them: SORTIE_SESSION first (SessionStart exports
 * it through every agent's env file, even when the mission could not be created yet: the
 * database was locked), then the agents' own, in registry order. The identity lookup tries them
 * after SORTIE_MISSION (missions/identity.ts), and the git runner's post-commit records the first
 * one set (hooks/sortie.sh, generated from this list).
 */
export const SESSION_VARS: readonly string[] = ['SORTIE_SESSION', ...new Set(AGENT_LIST.flatMap((a) => a.shell.sessionVars))];

/** Every variable that shows a process runs under some agent: the session variables and the markers. */
export const AGENT_VARS: readonly string[] = [...new Set([...SESSION_VARS, ...AGENT_LIST.flatMap((a) => a.shell.markers)])];

/** What identity needs from the registry, for the acting process `pid`. */
export function identityHints(pid: number | undefined): IdentityHints {
  return { sessionVars: SESSION_VARS, agentVars: AGENT_VARS, pid };
}

/**
 * The line of hooks/sortie.sh (post-commit) that takes the first session variable set, in
 * registry order: `sortie_sid=${A:-${B:-}}`. The build writes it (scripts/plugin-files.js).
 */
export function sessionVarsLine(): string {
  const expr = SESSION_VARS.reduceRight((inner, name) => `\${${name}:-${inner}}`, '');
  return `      sortie_sid=${expr} # sortie:session-vars`;
}
