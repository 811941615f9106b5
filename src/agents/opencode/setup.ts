import { existsSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FileChange } from '../../files.js';
import { hooksLine, installPluginFile, pluginEntries, PLUGIN_MARK, RUN_HOOK_JS, uninstallPluginFile } from '../plugin-file.js';
import type { AgentSetup, Finding, HookLine } from '../types.js';
import { opencode } from './index.js';

/**
 * OpenCode's install: the plugin file, and the dependency stubs that keep OpenCode from running
 * `npm install` in `.opencode/` at every start-up.
 *
 * OpenCode installs `@opencode-ai/plugin` into each config folder it loads (the project's
 * `.opencode/` among them) unless the folder has a `node_modules/` and every dependency of its
 * `package.json` (plus `@opencode-ai/plugin`) is listed in `package-lock.json`'s root package
 * (read in the 1.18.33 binary; AGENTS-HARNESS.md). With no registry that install holds plugin
 * loading for about 71 s. sortie's plugin imports nothing from npm, so the stubs are enough: an
 * empty `node_modules/`, and a `package.json` and lock naming only `@opencode-ai/plugin`. They are
 * machine-local: OpenCode's own `.opencode/.gitignore` ignores `node_modules`, `package.json`,
 * `package-lock.json`, `bun.lock` and itself, and init writes that same file when it is missing,
 * so nothing but the plugin is committed; each clone gets its stubs from its own `sortie init`.
 * A `.opencode/` whose dependencies OpenCode already manages (a `node_modules/`, or a
 * `package.json` with dependencies of its own) is left alone.
 */

export function pluginPath(root: string): string {
  return join(root, '.opencode', 'plugins', 'sortie.js');
}

const DEPS = { '@opencode-ai/plugin': '*' };
/** What init writes into `.opencode/` (relative name → text); `node_modules/` is an empty folder. */
const STUBS: Record<string, string> = {
  'package.json': `${JSON.stringify({ dependencies: DEPS }, null, 2)}\n`,
  'package-lock.json': `${JSON.stringify({ lockfileVersion: 3, packages: { '': { dependencies: DEPS } } }, null, 2)}\n`,
  // The lines OpenCode itself writes there (Config.ensureGitignore).
  '.gitignore': 'node_modules\npackage.json\npackage-lock.json\nbun.lock\n.gitignore\n',
};

const say = {
  plugin: 'OpenCode plugin: start, resume, heartbeat, compaction, end; context in every request; SORTIE_MISSION in every shell',
  stub: (name: string) =>
    name === '.gitignore' ? "the lines OpenCode writes there itself: its dependency files stay out of git" : `${name}: OpenCode's dependency stub, so it runs no npm install at start-up (machine-local, git-ignored)`,
  modules: 'empty node_modules/: OpenCode then skips its dependency install',
  removedStub: (name: string) => `${name}: sortie's dependency stub`,
  removedPlugin: 'OpenCode plugin (sortie)',
  noStubs: (dir: string) =>
    `${dir} has no node_modules/ or dependency stubs: OpenCode runs npm install there at start-up (about 71 s without a registry before it gives up)`,
  userDeps: (dir: string) => `${dir}/package.json lists dependencies of your own and there is no node_modules/: OpenCode installs them from the registry at start-up`,
};

/**
 * The plugin: plain JavaScript that imports nothing from npm (only node:child_process, which
 * OpenCode's Bun runtime provides), and never throws into OpenCode.
 */
export function pluginSource(line: HookLine): string {
  return `// sortie's OpenCode plugin, ${PLUGIN_MARK} --agent opencode (removed by \`sortie uninstall\`).
//
// It records each OpenCode session as a sortie mission by running sortie's hook entry (the same
// command line every agent's hook config runs) with the event on stdin:
// - session.created: a new mission (a subagent's session belongs to its parent's mission); a
//   session first seen in a later hook (\`run --session <id>\` fires no session.created) resumes its;
// - session.idle: the heartbeat, once per turn, in the background;
// - experimental.session.compacting: a checkpoint, pushed into the compaction request;
// - dispose (and session.deleted): the end. After a kill nothing fires: sortie reaps the mission
//   once OPENCODE_PID is gone.
// The context goes into every request as a system message (so it survives compaction, and the
// title request gets it too: one small request per session, not worth a guess at which it is);
// every shell command gets SORTIE_MISSION and sortie on PATH (subagents' commands their parent's).
// Nothing here throws into OpenCode: a failing or missing sortie leaves OpenCode as it was.
import { spawn } from 'node:child_process';

${hooksLine(Object.keys(opencode.events), line)}

${RUN_HOOK_JS}

export const SortiePlugin = async ({ directory, worktree }) => {
  // The hook command finds sortie from the project's root; the session's cwd goes in the payload.
  const root = worktree || directory;
  const sessions = new Map(); // session id -> Promise<{context, mission, bin} | undefined>
  const parents = new Map(); // subagent session id -> its parent's
  const running = new Set(); // hook processes not waited for (the heartbeat)
  const owner = (id) => parents.get(id) ?? id;
  const call = (event, payload) => runHook(event, { cwd: directory, ...payload }, root);
  const start = (id, source) => {
    const p = call('session.created', { sessionID: id, source }).then(answer);
    sessions.set(id, p);
    return p;
  };
  /** The session's mission; one first seen here is a resumed session (its session.created, if any, gets a tick to land first). */
  const missionOf = async (id) => {
    if (!id) return undefined;
    if (!sessions.has(owner(id))) await new Promise((r) => setTimeout(r, 0));
    const o = owner(id);
    return sessions.get(o) ?? start(o, 'resume');
  };
  const safe = (fn) => async (...args) => {
    try {
      await fn(...args);
    } catch {
      // never into OpenCode
    }
  };
  return {
    event: safe(async ({ event }) => {
      const p = event?.properties ?? {};
      if (event?.type === 'session.created') {
        const info = p.info ?? {};
        const id = info.id ?? p.sessionID;
        if (!id) return;
        if (info.parentID) parents.set(id, owner(info.parentID));
        else if (!sessions.has(id)) start(id, 'startup');
      } else if (event?.type === 'session.idle') {
        const id = owner(p.sessionID);
        if (!sessions.has(id)) return;
        const beat = call('session.idle', { sessionID: id });
        running.add(beat);
        beat.then(() => running.delete(beat));
      } else if (event?.type === 'session.deleted') {
        const id = p.info?.id ?? p.sessionID;
        if (!id || !sessions.has(id)) return;
        sessions.delete(id);
        await call('session.deleted', { sessionID: id, reason: 'deleted' });
      }
    }),
    'experimental.chat.system.transform': safe(async (input, output) => {
      const m = await missionOf(input?.sessionID);
      if (m) output.system.push(m.context);
    }),
    'shell.env': safe(async (input, output) => {
      const m = await missionOf(input?.sessionID);
      if (!m) return;
      output.env.SORTIE_MISSION = String(m.mission);
      if (m.bin) output.env.PATH = m.bin + ':' + (output.env.PATH ?? process.env.PATH ?? '');
    }),
    'experimental.session.compacting': safe(async (input, output) => {
      const id = owner(input?.sessionID);
      if (!id) return;
      const a = answer(await call('experimental.session.compacting', { sessionID: id, trigger: 'auto' }));
      if (!a) return;
      // From now on the context says what the checkpoint kept.
      sessions.set(id, Promise.resolve(a));
      if (a.checkpoint) output.context.push(a.checkpoint);
    }),
    dispose: safe(async () => {
      const started = [...sessions];
      sessions.clear();
      // A start still running would otherwise land after its end.
      await Promise.all([...started.map(([, p]) => p), ...running]);
      await Promise.all(started.map(([id]) => call('dispose', { sessionID: id, reason: 'exit' })));
    }),
  };
};
`;
}

function stubDir(root: string): string {
  return join(root, '.opencode');
}

/** The stubs to write: none where OpenCode already manages the folder's dependencies. */
function stubsNeeded(dir: string): boolean {
  if (existsSync(join(dir, 'node_modules'))) return false;
  const pkg = join(dir, 'package.json');
  // A package.json of someone else's: its dependencies need a real install.
  return !existsSync(pkg) || readFileSync(pkg, 'utf8') === STUBS['package.json'];
}

function emptyDir(dir: string): boolean {
  try {
    return readdirSync(dir).length === 0;
  } catch {
    return false;
  }
}

export const opencodeSetup: AgentSetup = {
  detect: (root) => ['.opencode', 'opencode.json', 'opencode.jsonc'].filter((p) => existsSync(join(root, p))),
  configFiles: (root) => [pluginPath(root)],
  install(s) {
    const changes = [installPluginFile(pluginPath(s.root), pluginSource(s.line), say.plugin, s.dryRun, s.files)];
    const dir = stubDir(s.root);
    if (!stubsNeeded(dir)) return changes;
    for (const [name, text] of Object.entries(STUBS)) {
      const file = join(dir, name);
      if (existsSync(file)) continue;
      if (!s.dryRun) s.files.write(file, text);
      changes.push({ file, action: 'create', detail: say.stub(name) });
    }
    const modules = join(dir, 'node_modules');
    if (!s.dryRun) s.files.mkdir(modules);
    changes.push({ file: modules, action: 'create', detail: say.modules });
    return changes;
  },
  uninstall(s, created) {
    const changes: FileChange[] = [];
    const dir = stubDir(s.root);
    // The stubs go only if init made them and they are still as it wrote them (OpenCode may since have installed into the folder).
    for (const [name, text] of Object.entries(STUBS)) {
      const file = join(dir, name);
      if (!created.includes(file) || !existsSync(file) || readFileSync(file, 'utf8') !== text) continue;
      if (!s.dryRun) s.files.remove(file);
      changes.push({ file, action: 'remove', detail: say.removedStub(name) });
    }
    const modules = join(dir, 'node_modules');
    if (created.includes(modules) && emptyDir(modules)) {
      if (!s.dryRun) rmdirSync(modules);
      changes.push({ file: modules, action: 'remove', detail: say.removedStub('node_modules/') });
    }
    changes.push(uninstallPluginFile(pluginPath(s.root), s.root, say.removedPlugin, s.dryRun, s.files));
    return changes;
  },
  entries: (root, line) => pluginEntries(pluginPath(root), Object.keys(opencode.events), line),
  checks(s): Finding[] {
    if (!existsSync(pluginPath(s.root))) return [];
    const dir = stubDir(s.root);
    if (existsSync(join(dir, 'node_modules'))) return [{ check: 'opencode offline', level: 'ok', message: `${dir}/node_modules exists: OpenCode runs no dependency install unless package.json lists more than its lock` }];
    if (!stubsNeeded(dir)) return [{ check: 'opencode offline', level: 'warn', message: say.userDeps(dir), fix: `cd ${dir} && npm install` }];
    return [{ check: 'opencode offline', level: 'warn', message: say.noStubs(dir), fix: 'sortie init --agent opencode' }];
  },
};
