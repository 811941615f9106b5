import { existsSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { SortieError } from '../../errors.js';
import { writeFileAtomic } from '../../files.js';
import type { Env } from '../../git.js';
import { jsonHookSetup, type JsonHookSpec } from '../json-hooks.js';
import { agentMessages } from '../messages.js';
import type { AgentSetup, HookLine, TrustState } from '../types.js';
import { copilotCli } from './index.js';

/** Seconds. */
const TIMEOUTS: Record<string, number> = { sessionStart: 10, userPromptSubmitted: 5, agentStop: 5, preToolUse: 10, preCompact: 10, sessionEnd: 5 };

/** sortie's own hook file: Copilot reads every `.github/hooks/*.json`. */
export function hooksPath(root: string): string {
  return join(root, '.github', 'hooks', 'sortie.json');
}

function spec(root: string, line: HookLine): JsonHookSpec {
  return {
    file: hooksPath(root),
    shape: 'flat',
    label: copilotCli.label,
    base: { version: 1 },
    entries: Object.keys(copilotCli.events).map((event) => ({ event, entry: { type: 'command', bash: line.command(event), timeoutSec: TIMEOUTS[event] } })),
  };
}

const say = {
  steps: () => 'start `copilot` in this folder once and trust it when asked (per run: --trust-folder, or COPILOT_ALLOW_ALL=true)',
  byEnv: () => 'COPILOT_ALLOW_ALL=true in this environment',
  listed: (file: string, path: string) => `${file} trusts ${path}`,
  notListed: (file: string) => `this folder is not among the trusted folders in ${file}: Copilot skips the repository's hooks without a word`,
  added: (file: string) => `trusted this folder in ${file}`,
};

function configFile(env: Env): string {
  return join(env.COPILOT_HOME ?? join(env.HOME ?? '~', '.copilot'), 'config.json');
}

/**
 * Copilot's config.json: JSON after `//` comment lines it writes itself ("This file is managed
 * automatically"). The comment lines are kept as they are.
 */
function readConfig(file: string): { header: string; config: Record<string, unknown> } {
  if (!existsSync(file)) return { header: '', config: {} };
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length && (lines[i]!.trim().startsWith('//') || lines[i]!.trim() === '')) i++;
  const body = lines.slice(i).join('\n');
  try {
    const v = body.trim() ? (JSON.parse(body) as unknown) : {};
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    return { header: lines.slice(0, i).join('\n'), config: v as Record<string, unknown> };
  } catch (e) {
    const m = agentMessages.notJson(file, (e as Error).message);
    throw new SortieError('INSTALL', m.message, { hint: m.hint });
  }
}

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}

/** The trusted folders (and the legacy key); a folder trusts its subfolders (seen). */
function trustedBy(config: Record<string, unknown>, root: string): string | undefined {
  const target = real(root);
  const list = [config.trustedFolders, config.trusted_folders].flatMap((v) => (Array.isArray(v) ? v : [])).filter((p): p is string => typeof p === 'string');
  return list.find((p) => {
    const dir = real(p);
    return target === dir || target.startsWith(dir.endsWith(sep) ? dir : `${dir}${sep}`);
  });
}

export const copilotCliSetup: AgentSetup = {
  detect: (root) => [join('.github', 'hooks'), join('.github', 'copilot-instructions.md')].filter((p) => existsSync(join(root, p))),
  ...jsonHookSetup(hooksPath, spec),
  trust: {
    steps: say.steps,
    async state(s): Promise<TrustState> {
      if (s.env.COPILOT_ALLOW_ALL === 'true') return { trusted: true, message: say.byEnv() };
      const file = configFile(s.env);
      let config: Record<string, unknown>;
      try {
        config = readConfig(file).config;
      } catch (e) {
        return { trusted: undefined, message: (e as Error).message };
      }
      const by = trustedBy(config, s.root);
      return by ? { trusted: true, message: say.listed(file, by) } : { trusted: false, message: say.notListed(file) };
    },
    async apply(s) {
      const file = configFile(s.env);
      const { header, config } = readConfig(file);
      const list = Array.isArray(config.trustedFolders) ? (config.trustedFolders as unknown[]) : [];
      const next = { ...config, trustedFolders: [...list, real(s.root)] };
      mkdirSync(dirname(file), { recursive: true });
      writeFileAtomic(file, `${header ? `${header}\n` : ''}${JSON.stringify(next, null, 2)}\n`);
      return [say.added(file)];
    },
  },
};
