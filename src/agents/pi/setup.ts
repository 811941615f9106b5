import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { hooksLine, installPluginFile, pluginEntries, PLUGIN_MARK, RUN_HOOK_JS, uninstallPluginFile } from '../plugin-file.js';
import type { AgentSetup, HookLine } from '../types.js';
import { pi } from './index.js';

/**
 * pi's install: one project extension, `.pi/extensions/sortie.ts`. pi loads it through its own
 * jiti with no prompt and no dependency install; `@mariozechner/pi-coding-agent` (for
 * `createBashTool`) resolves to pi's own copy with no node_modules in the repository
 * (AGENTS-HARNESS.md).
 */

export function extensionPath(root: string): string {
  return join(root, '.pi', 'extensions', 'sortie.ts');
}

const say = {
  extension: 'pi extension: start, resume, heartbeat, compaction, end; context in every prompt; SORTIE_MISSION in every bash command',
  removed: 'pi extension (sortie)',
};

/** The extension: TypeScript as pi's jiti runs it (no type checking), never throwing into pi. */
export function extensionSource(line: HookLine): string {
  return `// sortie's pi extension, ${PLUGIN_MARK} --agent pi (removed by \`sortie uninstall\`).
//
// It records each pi session as a sortie mission by running sortie's hook entry (the same command
// line every agent's hook config runs) with the event on stdin:
// - session_start: a new mission, or the session's own again when it already has messages (pi
//   says "startup" on --continue too); /new starts one that inherits the claims, /fork a new one;
// - agent_end: the heartbeat, once per prompt, in the background;
// - session_before_compact: a checkpoint; the context after it says what it kept;
// - session_shutdown: the end. After a kill nothing fires: sortie reaps the mission once pi's
//   process is gone.
// The context is appended to the system prompt of every prompt (so it survives compaction); the
// bash tool is pi's own, with SORTIE_MISSION and sortie on PATH in every command's environment.
// Nothing here throws into pi: a failing or missing sortie leaves pi as it was.
import { spawn } from 'node:child_process';
import { createBashTool } from '@mariozechner/pi-coding-agent';

${hooksLine(Object.keys(pi.events), line)}

${RUN_HOOK_JS}

/** pi's session_start reasons (other than "startup") as sortie's start sources. */
const SOURCES = { new: 'clear', resume: 'resume', fork: 'fork', reload: 'resume' };

export default function sortie(pi: any) {
  const sessions = new Map(); // session id -> Promise<{context, mission, bin} | undefined>
  const running = new Set(); // hook processes not waited for (the heartbeat)
  const idOf = (ctx) => ctx?.sessionManager?.getSessionId?.();
  const call = (event, ctx, payload) => runHook(event, { session_id: idOf(ctx), cwd: ctx.cwd, ...payload }, ctx.cwd);
  const start = (ctx, source) => {
    const p = call('session_start', ctx, { source, transcript_path: ctx.sessionManager.getSessionFile?.() }).then(answer);
    sessions.set(idOf(ctx), p);
    return p;
  };
  const missionOf = (ctx) => {
    const id = idOf(ctx);
    return !id ? Promise.resolve(undefined) : (sessions.get(id) ?? start(ctx, 'resume'));
  };
  const hasMessages = (ctx) => (ctx.sessionManager.getEntries?.() ?? []).some((e) => e?.type === 'message');
  const safe = (fn) => async (event, ctx) => {
    try {
      return await fn(event, ctx);
    } catch {
      return undefined; // never into pi
    }
  };

  pi.on('session_start', safe(async (event, ctx) => {
    // pi 0.73.1 announces a new session twice (rpc new_session): the second is no new start.
    if (!idOf(ctx) || sessions.has(idOf(ctx))) return;
    // Not waited for: pi goes on starting while sortie does; the first prompt waits for the context.
    start(ctx, event?.reason === 'startup' || !event?.reason ? (hasMessages(ctx) ? 'resume' : 'startup') : (SOURCES[event.reason] ?? 'startup'));
  }));
  pi.on('before_agent_start', safe(async (event, ctx) => {
    const m = await missionOf(ctx);
    return m ? { systemPrompt: event.systemPrompt + '\\n\\n' + m.context } : undefined;
  }));
  pi.on('agent_end', safe(async (_event, ctx) => {
    if (!sessions.has(idOf(ctx))) return;
    const beat = call('agent_end', ctx, {});
    running.add(beat);
    beat.then(() => running.delete(beat));
  }));
  pi.on('session_before_compact', safe(async (_event, ctx) => {
    const m = await missionOf(ctx);
    if (!m) return;
    const a = answer(await call('session_before_compact', ctx, {}));
    // From now on the context says what the checkpoint kept.
    if (a) sessions.set(idOf(ctx), Promise.resolve(a));
  }));
  pi.on('session_shutdown', safe(async (event, ctx) => {
    const id = idOf(ctx);
    const started = sessions.get(id);
    await Promise.all([started, ...running]);
    // A reload comes back as the same session at once.
    if (!started || event?.reason === 'reload') return;
    sessions.delete(id);
    await call('session_shutdown', ctx, { reason: event?.reason === 'new' ? 'clear' : (event?.reason ?? 'quit') });
  }));

  // pi's own bash tool, with the mission in every command's environment (and the git hooks it runs).
  const bash = createBashTool(process.cwd());
  pi.registerTool({
    ...bash,
    async execute(id, params, signal, onUpdate, ctx) {
      const m = await missionOf(ctx).catch(() => undefined);
      const add = (env) => (m ? { ...env, SORTIE_MISSION: String(m.mission), ...(m.bin ? { PATH: m.bin + ':' + (env?.PATH ?? '') } : {}) } : env);
      const tool = createBashTool(ctx.cwd, { spawnHook: (c) => ({ ...c, env: add(c.env) }) });
      return tool.execute(id, params, signal, onUpdate);
    },
  });
}
`;
}

export const piSetup: AgentSetup = {
  detect: (root) => ['.pi'].filter((p) => existsSync(join(root, p))),
  configFiles: (root) => [extensionPath(root)],
  install: (s) => [installPluginFile(extensionPath(s.root), extensionSource(s.line), say.extension, s.dryRun, s.files)],
  uninstall: (s) => [uninstallPluginFile(extensionPath(s.root), s.root, say.removed, s.dryRun, s.files)],
  entries: (root, line) => pluginEntries(extensionPath(root), Object.keys(pi.events), line),
};
