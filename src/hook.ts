#!/usr/bin/env node
// The entry that agent and git hook configurations call directly (never through npx). It is
// bundled into one CommonJS file (dist/hook-bundle.cjs, started by the dist/hook.cjs loader with a
// V8 code cache), loads only what the event needs, and talks to its descriptors with plain fs
// calls: process.stdin/stdout would build stream objects that cost more than the hook's own work.
// Usage: hook.cjs <agent> <Event>  |  hook.cjs git <hook> [args...]
import { processHookIO } from './hooks/frame.js';
import { runAgentHook } from './hooks/runner.js';
import type { GitHookIO } from './guard/git-hook.js';

/** The git side is loaded only for git hooks (esbuild turns this import() into a lazy init). */
export async function runGitHook(hook: string, args: string[], io: GitHookIO): Promise<number> {
  return (await import('./guard/git-hook.js')).runGitHook(hook, args, io);
}

// Exported for scripts/make-code-cache.cjs, which runs every handler once at build time so the
// code cache holds them all compiled.
export { runAgentHook };

async function main(): Promise<number> {
  // This process exits right after the handler: see closeUnlessExiting.
  (globalThis as { __sortieHookExits?: boolean }).__sortieHookExits = true;
  const [target = '', event = '', ...rest] = process.argv.slice(2);
  const io = processHookIO(rest);
  return target === 'git' ? runGitHook(event, rest, io) : runAgentHook(target, event, io);
}

// Exit explicitly: an agent may never close our stdin, and a pending read must not keep us alive.
if (!(globalThis as { __sortieBuildingCache?: boolean }).__sortieBuildingCache) main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`sortie: hook failed to start: ${(e as Error).message}\n`);
    process.exit(0);
  },
);
