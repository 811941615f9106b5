import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Env } from '../../git.js';
import { jsonHookSetup, type JsonHookSpec } from '../json-hooks.js';
import type { AgentSetup, HookLine, SetupContext, TrustState } from '../types.js';
import { findCodex, listCodexHooks, trustCodexHooks, type CodexHookInfo } from './app-server.js';
import { codex } from './index.js';

/** Seconds; Codex clamps SessionEnd to 3 (and warns when asked for more). */
const TIMEOUTS: Record<string, number> = { SessionStart: 10, UserPromptSubmit: 5, Stop: 5, PreCompact: 10, SessionEnd: 3 };

export function hooksPath(root: string): string {
  return join(root, '.codex', 'hooks.json');
}

function spec(root: string, line: HookLine): JsonHookSpec {
  return {
    file: hooksPath(root),
    shape: 'grouped',
    label: codex.label,
    entries: Object.keys(codex.events).map((event) => ({ event, entry: { type: 'command', command: line.command(event), timeout: TIMEOUTS[event] } })),
  };
}

const say = {
  steps: () => "open Codex in this folder (`codex`), trust the project, then approve sortie's hooks in `/hooks`",
  noCodex: () => "codex is not on PATH, so sortie cannot ask Codex whether it trusts these hooks (run `sortie doctor` where codex runs)",
  askFailed: (e: string) => `could not ask codex app-server (${e})`,
  projectUntrusted: (root: string) => `Codex does not trust the project ${root}, so it ignores .codex/hooks.json`,
  hooksUntrusted: (bad: CodexHookInfo[], n: number) =>
    `${bad.length} of sortie's ${n} Codex hooks are ${[...new Set(bad.map((h) => (h.enabled === false ? 'disabled' : h.trustStatus === 'modified' ? 'modified since they were trusted' : h.trustStatus)))].join(', ')}`,
  trusted: (n: number) => `the project and sortie's ${n} hooks are trusted`,
  trustedProject: (home: string) => `trusted this project in ${home}`,
  trustedHooks: (n: number) => `trusted ${n} sortie hook${n === 1 ? '' : 's'} (their current hashes)`,
};

function codexHome(env: Env): string {
  return env.CODEX_HOME ?? join(env.HOME ?? '~', '.codex');
}

const ours = (s: SetupContext) => (h: CodexHookInfo) => h.sourcePath === hooksPath(s.root) && s.line.isOurs(h.command);

export const codexSetup: AgentSetup = {
  detect: (root) => ['.codex'].filter((p) => existsSync(join(root, p))),
  ...jsonHookSetup(hooksPath, spec),
  trust: {
    steps: say.steps,
    async state(s): Promise<TrustState> {
      const bin = findCodex(s.env, s.root);
      if (!bin) return { trusted: undefined, message: say.noCodex() };
      let hooks: CodexHookInfo[];
      try {
        hooks = (await listCodexHooks(bin, s.env, s.root)).filter(ours(s));
      } catch (e) {
        return { trusted: undefined, message: say.askFailed((e as Error).message) };
      }
      if (hooks.length === 0) return { trusted: false, message: say.projectUntrusted(s.root) };
      const bad = hooks.filter((h) => h.enabled === false || (h.trustStatus !== 'trusted' && h.trustStatus !== 'managed'));
      return bad.length ? { trusted: false, message: say.hooksUntrusted(bad, hooks.length) } : { trusted: true, message: say.trusted(hooks.length) };
    },
    async apply(s) {
      const bin = findCodex(s.env, s.root);
      if (!bin) throw new Error(say.noCodex());
      const { before, after } = await trustCodexHooks(bin, s.env, s.root, ours(s));
      const changed = before.filter(ours(s)).filter((h) => h.trustStatus !== 'trusted' && after.some((a) => a.key === h.key && a.trustStatus === 'trusted'));
      return [say.trustedProject(join(codexHome(s.env), 'config.toml')), ...(changed.length ? [say.trustedHooks(changed.length)] : [])];
    },
  },
};
