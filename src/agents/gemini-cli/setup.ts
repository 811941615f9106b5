import { chmodSync, existsSync, mkdirSync, realpathSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { writeFileAtomic } from '../../files.js';
import type { Env } from '../../git.js';
import { jsonHookSetup, type JsonHookSpec, readJsonObject } from '../json-hooks.js';
import type { AgentSetup, HookLine, SetupContext, TrustState } from '../types.js';
import { geminiCli } from './index.js';

/** Milliseconds. */
const TIMEOUTS: Record<string, number> = { SessionStart: 10_000, BeforeAgent: 5000, AfterAgent: 5000, BeforeTool: 10_000, AfterTool: 8000, PreCompress: 10_000, SessionEnd: 5000 };
/** Only the shell tool's calls reach sortie's tool hooks. */
const MATCHERS: Record<string, string> = { BeforeTool: 'run_shell_command', AfterTool: 'run_shell_command' };

export function settingsPath(root: string): string {
  return join(root, '.gemini', 'settings.json');
}

function spec(root: string, line: HookLine): JsonHookSpec {
  return {
    file: settingsPath(root),
    shape: 'grouped',
    label: geminiCli.label,
    entries: Object.keys(geminiCli.events).map((event) => ({ event, matcher: MATCHERS[event], entry: { type: 'command', name: `sortie-${event}`, command: line.command(event), timeout: TIMEOUTS[event] } })),
  };
}

const say = {
  steps: () => 'start `gemini` in this folder once and choose to trust it (for automation: GEMINI_CLI_TRUST_WORKSPACE=true)',
  byEnv: (v: string) => `GEMINI_CLI_TRUST_WORKSPACE=${v} in this environment`,
  trustOff: (file: string) => `folder trust is turned off in ${file} (security.folderTrust.enabled: false)`,
  rule: (file: string, path: string, level: string) => `${file} says ${level} for ${path}`,
  noRule: (file: string) => `this folder is not trusted (${file} has no rule for it): headless runs exit 55, interactive runs ask first`,
  unreadable: (file: string, e: string) => `could not read ${file} (${e})`,
  added: (file: string) => `trusted this folder in ${file}`,
  hooksOff: (file: string) => `hooks are turned off in ${file} (hooksConfig.enabled: false)`,
  hooksDisabled: (file: string, names: string[]) => `${file} disables sortie's ${names.join(', ')} (hooksConfig.disabled)`,
};

/** Gemini's own switches for hooks (hooksConfig.enabled, hooksConfig.disabled by name or command), in the user's and the project's settings. */
function hooksSwitchedOff(s: SetupContext): TrustState | undefined {
  const ours = spec(s.root, s.line).entries.flatMap((e) => [e.entry.name as string, e.entry.command as string]);
  for (const file of [join(geminiDir(s.env), 'settings.json'), settingsPath(s.root)]) {
    let cfg: { enabled?: unknown; disabled?: unknown } | undefined;
    try {
      cfg = readJsonObject(file).hooksConfig as typeof cfg;
    } catch {
      continue;
    }
    if (cfg?.enabled === false) return { trusted: false, message: say.hooksOff(file), fix: `remove "enabled": false from hooksConfig in ${file}` };
    const off = Array.isArray(cfg?.disabled) ? cfg.disabled.filter((d): d is string => typeof d === 'string' && ours.includes(d)) : [];
    if (off.length) return { trusted: false, message: say.hooksDisabled(file, off.map((d) => (d.length > 40 ? `${d.slice(0, 40)}...` : d))), fix: `remove sortie's hooks from hooksConfig.disabled in ${file}` };
  }
  return undefined;
}

/** Gemini's home folder: GEMINI_CLI_HOME, else the user's home, then `.gemini`. */
function geminiDir(env: Env): string {
  return join(env.GEMINI_CLI_HOME ?? env.HOME ?? '~', '.gemini');
}

function trustedFoldersFile(env: Env): string {
  return env.GEMINI_CLI_TRUSTED_FOLDERS_PATH ?? join(geminiDir(env), 'trustedFolders.json');
}

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}

const within = (dir: string, p: string) => p === dir || p.startsWith(dir.endsWith(sep) ? dir : `${dir}${sep}`);

/** Gemini's own rule (packages/core trustedFolders): the longest matching path wins; TRUST_PARENT covers the rule's parent folder. */
function ruleFor(rules: Record<string, unknown>, root: string): { path: string; level: string } | undefined {
  const target = real(root);
  let best: { path: string; level: string } | undefined;
  for (const [path, level] of Object.entries(rules)) {
    if (level !== 'TRUST_FOLDER' && level !== 'TRUST_PARENT' && level !== 'DO_NOT_TRUST') continue;
    const effective = real(level === 'TRUST_PARENT' ? dirname(path) : path);
    if (within(effective, target) && (!best || path.length > best.path.length)) best = { path, level };
  }
  return best;
}

export const geminiCliSetup: AgentSetup = {
  detect: (root) => ['.gemini', 'GEMINI.md'].filter((p) => existsSync(join(root, p))),
  ...jsonHookSetup(settingsPath, spec),
  trust: {
    steps: say.steps,
    async state(s): Promise<TrustState> {
      const off = hooksSwitchedOff(s);
      if (off) return off;
      const byEnv = s.env.GEMINI_CLI_TRUST_WORKSPACE;
      if (byEnv === 'true' || byEnv === 'false') return { trusted: byEnv === 'true', message: say.byEnv(byEnv) };
      const userSettings = join(geminiDir(s.env), 'settings.json');
      try {
        const enabled = (readJsonObject(userSettings).security as { folderTrust?: { enabled?: unknown } } | undefined)?.folderTrust?.enabled;
        if (enabled === false) return { trusted: true, message: say.trustOff(userSettings) };
      } catch {
        // unreadable user settings: Gemini reports that itself; trust is decided by the folders file
      }
      const file = trustedFoldersFile(s.env);
      let rules: Record<string, unknown>;
      try {
        rules = readJsonObject(file);
      } catch (e) {
        return { trusted: undefined, message: say.unreadable(file, (e as Error).message) };
      }
      const rule = ruleFor(rules, s.root);
      if (!rule) return { trusted: false, message: say.noRule(file) };
      return { trusted: rule.level !== 'DO_NOT_TRUST', message: say.rule(file, rule.path, rule.level) };
    },
    async apply(s) {
      const file = trustedFoldersFile(s.env);
      const rules = readJsonObject(file);
      mkdirSync(dirname(file), { recursive: true });
      writeFileAtomic(file, JSON.stringify({ ...rules, [real(s.root)]: 'TRUST_FOLDER' }, null, 2));
      // Owner-only, as Gemini writes it.
      chmodSync(file, 0o600);
      return [say.added(file)];
    },
  },
};
