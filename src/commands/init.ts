import { accessSync, constants, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { commandMessages } from './messages.js';
import type { OptionsOf } from './specs.js';
import { loadConfig, presetNames, resolveConfig, type LoadedConfig } from '../config/load.js';
import { SortieError, errorMessage, isSortieError } from '../errors.js';
import { findRepo, requireRepo, type Env, type Repo } from '../git.js';
import { AGENT_LIST, agentNamed } from '../agents/index.js';
import type { AgentAdapter, AgentSetup, RepoFiles, TrustState } from '../agents/types.js';
import { DIR_MODE, type FileChange } from '../files.js';
import { setupContext } from '../install/agents.js';
import { GIT_HOOKS, installGit, machineFiles, prepareGit, removeBlock } from '../install/git.js';
import { detectHookManagers, preCommitStageName, snippetFor, wireEdits, type HookManager, type WireEdit } from '../install/hook-managers.js';
import { installMessages } from '../install/messages.js';
import { detectPackageManager, nativeBuildFix, type PackageManager } from '../install/package-manager.js';
import { projectInstallDir } from '../install/paths.js';
import { removeNested, setNested } from '../install/json-edit.js';
import { failSeam, gitConfigValue, journalPath, readJournal, removeEmptyDir, Tx, untouchedSince, type JournalEntry } from '../install/tx.js';
import { checkDriver, dbPath } from '../store/open.js';
import { openWorld } from '../world/open.js';
import { queueDir } from '../store/queue.js';
import { colors, print, printJson } from '../ui.js';
import { removeClaimsOfClone, sharingOf } from '../remote/share.js';
import type { Ctx } from '../ctx.js';
import { agentJson, changeJson } from './json.js';

/** What the project's install script runs on every clone (see prepareScript). */
export const PREPARE = 'sortie prepare || exit 0';

/**
 * The install script sortie adds to package.json, so every clone's usual install (npm ci, pnpm
 * install, yarn, bun install) wires the git hooks with no sortie command run. It calls sortie's
 * own bin (husky comes from sortie's dependencies, so a workspace where only sortie depends on
 * husky still installs), and tolerates sortie's absence (`|| exit 0`: an install without dev
 * dependencies, or a workspace package that does not have it). yarn berry runs no `prepare` on
 * install: it gets `postinstall`.
 */
export function prepareScript(pm: PackageManager | undefined): 'prepare' | 'postinstall' {
  return pm?.name === 'yarn' && pm.berry ? 'postinstall' : 'prepare';
}

function scriptWith(previous: string | undefined): string {
  return previous ? `${previous} && (${PREPARE})` : PREPARE;
}

/** The fix for a driver that does not load, in the terms of the manager sortie was installed with. */
function nativeProblem(e: unknown, pm: PackageManager | undefined): SortieError | undefined {
  if (!isSortieError(e) || e.code !== 'INSTALL' || e.data?.reason !== 'native-module') return undefined;
  return new SortieError('INSTALL', `${e.message}; nothing was written`, { hint: nativeBuildFix(pm), data: { reason: 'native-module', packageManager: pm?.name ?? null } });
}

/** Every path init may write must be writable: the file itself, or the nearest folder that exists. */
function checkWritable(paths: string[]): void {
  const denied: string[] = [];
  for (const p of paths) {
    let at = p;
    while (!existsSync(at)) at = dirname(at);
    try {
      accessSync(at, constants.W_OK);
      if (at === p) accessSync(dirname(p), constants.W_OK); // replaced by a rename in its folder
    } catch {
      denied.push(at);
    }
  }
  if (denied.length) {
    throw new SortieError('INSTALL', `cannot write ${[...new Set(denied)].join(', ')}; nothing was written`, { hint: 'fix the permissions (or run init as the owner of the repository)' });
  }
}

interface PackagePlan {
  file: string;
  script: 'prepare' | 'postinstall';
  previous: string | undefined;
  next: string;
}

/**
 * The package.json that gets the install script: the one of the package sortie is installed in
 * (a workspace package may hold it in its own node_modules; pnpm runs each workspace package's
 * `prepare` on install), else the repository root's.
 */
function planPackageJson(repo: Repo, pm: PackageManager | undefined, installDir: string): PackagePlan | undefined {
  const own = join(repo.root, installDir.replace(/\/?node_modules\/sortie$/, ''), 'package.json');
  const file = existsSync(own) ? own : join(repo.root, 'package.json');
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8');
  let pkg: { scripts?: Record<string, string> };
  try {
    pkg = JSON.parse(text.replace(/^\uFEFF/, '')) as typeof pkg;
  } catch (e) {
    throw new SortieError('INSTALL', commandMessages.notJson(file, (e as Error).message));
  }
  const script = prepareScript(pm);
  const previous = pkg.scripts?.[script];
  if (previous?.includes('sortie prepare')) return undefined;
  return { file, script, previous, next: setNested(text, 'scripts', script, scriptWith(previous)) };
}

/**
 * The agents init sets up: those named with --agent, else those whose config the repository
 * already has (each adapter's `detect`), else Claude Code.
 */
async function chooseAgents(o: OptionsOf<'init'>, root: string): Promise<{ agents: ChosenAgent[]; defaulted: boolean }> {
  const named = o.agent.map((n) => {
    const a = agentNamed(n);
    if (!a) {
      const m = installMessages.unknownAgent(n, AGENT_LIST.map((x) => x.name));
      throw new SortieError('USAGE', m.message, { hint: m.hint });
    }
    return a;
  });
  const all = await Promise.all(AGENT_LIST.map(async (agent) => ({ agent, setup: await agent.setup() })));
  const withFound = all.map((x) => ({ ...x, found: x.setup.detect(root) }));
  let chosen = named.length ? withFound.filter((x) => named.includes(x.agent)) : withFound.filter((x) => x.found.length > 0);
  const defaulted = named.length === 0 && chosen.length === 0;
  if (defaulted) chosen = withFound.slice(0, 1);
  if (o.noClaude) chosen = chosen.filter((x) => x.agent.name !== 'claude-code');
  return { agents: chosen, defaulted: defaulted && chosen.length > 0 };
}

interface ChosenAgent {
  agent: AgentAdapter;
  setup: AgentSetup;
  found: string[];
}

/** A transaction's file operations, as an agent's setup is handed them. */
function txFiles(tx: Tx): RepoFiles {
  return { write: (file, text, mode) => tx.write(file, text, mode === undefined ? {} : { mode }), remove: (file) => tx.remove(file), mkdir: (dir) => tx.mkdir(dir) };
}

/** What `init --wire` put into a hook manager's file. */
type Wired = { appended?: string; inserted?: string[]; keys?: Record<string, string | null> };

/** A manager found in the way, and whether `--wire` can wire sortie into it. */
interface ManagerPlan {
  manager: HookManager;
  edits: WireEdit[] | undefined;
  /** Text inserted into the manager's file (uninstall takes out exactly that). */
  inserted: string[] | undefined;
  reason: string | undefined;
}

/**
 * `sortie init`: config, the agents' hooks, git hooks (through husky, or wired into the hook
 * manager the project has), the install script, the database; then each agent's trust gate
 * (checked, met with --trust, else explained). The repository's part is one transaction:
 * everything is checked first (the agents named, the native module, the hook managers, the files
 * it will parse, permissions), then every write, the agents' included, is journaled, and a failure
 * puts the repository back byte for byte. The trust gates come after it commits: they are the
 * user's own agent config, outside the repository, and Codex trusts a hook by the hash of what was
 * written. Idempotent: a second run reports that nothing changed.
 */
export async function init(o: OptionsOf<'init'>, ctx: Ctx): Promise<number> {
  const repo = requireRepo(ctx.cwd);
  const seam = failSeam(ctx.env); // test-only: read once, here
  const dry = o.dryRun;
  const preset = o.preset ?? 'recommended';
  if (!presetNames().includes(preset)) {
    const m = commandMessages.unknownPreset(preset, presetNames());
    throw new SortieError('USAGE', m.message, { hint: m.hint });
  }
  // 1. Checks. Nothing is written until all of them pass. An unknown agent is a usage error first.
  const { agents, defaulted } = await chooseAgents(o, repo.root);
  const pm = detectPackageManager(repo.root, ctx.env);
  try {
    checkDriver();
  } catch (e) {
    throw nativeProblem(e, pm) ?? e;
  }
  const existing = await loadConfig(repo.root);
  const installDir = projectInstallDir(repo.root, ctx.cwd);
  // A dry run of each agent's setup parses its config: a broken one stops here.
  for (const { agent, setup } of agents) setup.install(setupContext(repo.root, ctx.env, agent, { dryRun: true, from: ctx.cwd }));
  const managers = o.noGit ? [] : detectHookManagers(repo, ctx.env);
  const plans: ManagerPlan[] = managers.map((m) => {
    const w = wireEdits(repo, ctx.env, m, installDir);
    return { manager: m, edits: 'edits' in w ? w.edits : undefined, inserted: 'edits' in w ? w.inserted : undefined, reason: 'reason' in w ? w.reason : undefined };
  });
  if (plans.length && (!o.wire || plans.some((p) => !p.edits))) {
    const m = installMessages.anotherHookManager(plans.map((p) => ({ name: p.manager.name, configured: p.manager.config, installed: p.manager.installed, cannotWire: o.wire ? p.reason : undefined, snippet: snippetFor(p.manager, installDir, p.manager.id === 'pre-commit' ? { preCommitStage: preCommitStageName(ctx.env) } : {}) })));
    throw new SortieError('INSTALL', m.message, { hint: m.hint, data: { managers: managers.map((x) => ({ id: x.id, config: x.config ?? null, installed: x.installed })) } });
  }
  const husky = !o.noGit && plans.length === 0;
  const pkgPlan = husky ? planPackageJson(repo, pm, installDir) : undefined;
  const configFile = existing.file ?? join(repo.root, '.sortierc.json');
  const dbFile = dbPath(repo, ctx.env, ctx.cwd);
  checkWritable([
    configFile,
    ...agents.flatMap(({ setup }) => setup.configFiles(repo.root)),
    ...(husky ? GIT_HOOKS.map((h) => join(repo.root, '.husky', h)) : []),
    ...plans.flatMap((p) => (p.edits ?? []).map((e) => e.file)),
    ...(pkgPlan ? [pkgPlan.file] : []),
    join(repo.commonDir, 'config'),
    dbFile,
  ]);

  // 2. Writes, each journaled before it is made.
  const changes: FileChange[] = [];
  const tx = new Tx(repo, ctx.env, seam, dry);
  try {
    tx.begin();
    let loaded: LoadedConfig = existing;
    if (!existing.file) {
      tx.write(configFile, `${JSON.stringify({ extends: preset }, null, 2)}\n`);
      changes.push({ file: configFile, action: 'create', detail: `config extending the "${preset}" preset` });
      loaded = { config: resolveConfig({ extends: preset }, configFile), file: configFile };
    }
    for (const { agent, setup } of agents) {
      for (const c of setup.install(setupContext(repo.root, ctx.env, agent, { dryRun: dry, from: ctx.cwd, files: txFiles(tx) }))) if (c.action !== 'unchanged') changes.push(c);
    }
    if (husky) {
      tx.mkdir(join(repo.root, '.husky'));
      changes.push(...installGit(repo, loaded.config, ctx.env, tx, installDir));
      if (pkgPlan) {
        tx.setFact('script', { name: pkgPlan.script, previous: pkgPlan.previous ?? null });
        tx.write(pkgPlan.file, pkgPlan.next);
        changes.push({ file: pkgPlan.file, action: 'update', detail: `scripts.${pkgPlan.script} = "${scriptWith(pkgPlan.previous)}" (every clone's install wires the git hooks)` });
      }
    }
    for (const p of plans) {
      for (const e of p.edits ?? []) {
        const before = existsSync(e.file);
        const old = before ? readFileSync(e.file, 'utf8') : '';
        if (p.manager.id === 'simple-git-hooks') {
          const cur = ((JSON.parse(old) as Record<string, Record<string, string> | undefined>)['simple-git-hooks'] ?? {}) as Record<string, string>;
          tx.setWired(e.file, { keys: Object.fromEntries(GIT_HOOKS.map((h) => [h, cur[h] ?? null])) });
        } else if (p.inserted) tx.setWired(e.file, { inserted: p.inserted });
        else if (e.text.startsWith(old)) tx.setWired(e.file, { appended: e.text.slice(old.length) });
        tx.write(e.file, e.text, e.mode === undefined ? {} : { mode: e.mode });
        changes.push({ file: e.file, action: before ? 'update' : 'create', detail: `sortie wired into ${p.manager.name}` });
      }
    }
    if (!existsSync(dbFile)) {
      await tx.createDb(dbFile, async () => {
        (await openWorld(ctx, { create: 'always', config: loaded }))!.close();
        mkdirSync(queueDir(dbFile), { recursive: true, mode: DIR_MODE });
      });
      changes.push({ file: dbFile, action: 'create', detail: 'database (shared by every worktree, never committed)' });
    }
    tx.commit();
  } catch (e) {
    tx.rollback();
    throw e;
  }

  // 3. Trust gates: the agent must agree to run the hooks (see above: after the commit, not journaled).
  const notes: string[] = [];
  const trust: Record<string, (TrustState & { applied?: string[] }) | undefined> = {};
  for (const { agent, setup } of agents) {
    if (!setup.trust || dry) continue;
    const s = setupContext(repo.root, ctx.env, agent, { from: ctx.cwd });
    let state: TrustState & { applied?: string[] } = await setup.trust.state(s);
    if (state.trusted !== true && o.trust && setup.trust.apply) {
      try {
        const applied = await setup.trust.apply(s);
        state = { ...(await setup.trust.state(s)), applied };
        if (applied.length) notes.push(installMessages.trusted(agent.label, applied));
      } catch (e) {
        notes.push(installMessages.trustFailed(agent.label, errorMessage(e), setup.trust.steps(repo.root)));
      }
    }
    if (state.trusted !== true && (state.fix || !o.trust || !setup.trust.apply)) {
      notes.push(state.fix ? installMessages.hooksOff(agent.label, state.message, state.fix) : installMessages.trustNeeded(agent.label, setup.trust.steps(repo.root), setup.trust.apply !== undefined));
    }
    trust[agent.name] = state;
  }
  if (defaulted) notes.push(installMessages.defaultAgent(agents[0]!.agent.label, AGENT_LIST.slice(1).map((a) => a.name)));
  // Which remote claims are shared through (issue 12): said once, at set-up.
  const cfg = existsSync(join(repo.root, '.sortierc.json')) || !dry ? (await loadConfig(repo.root).catch(() => undefined))?.config : undefined;
  if (cfg) {
    const shared = sharingOf({ repo, config: cfg }, ctx.env);
    notes.push(!cfg.remote.enabled ? commandMessages.sharingOff() : shared ? commandMessages.sharingThrough(shared.name, shared.url) : commandMessages.sharingNoRemote(cfg.remote.name));
  }

  const next = plans.map((p) => snippetFor(p.manager, installDir).then).filter((t): t is string => Boolean(t));
  if (o.json) {
    printJson(ctx, {
      changed: changes.length > 0,
      dryRun: dry,
      changes: changes.map((c) => changeJson(repo.root, c)),
      run: next,
      agents: agents.map(({ agent, found }) => agentJson(agent.name, found, trust[agent.name])),
      notes,
    });
    return 0;
  }
  const col = colors(ctx);
  if (changes.length === 0) print(ctx, commandMessages.alreadySetUp(repo.root));
  else {
    print(ctx, commandMessages.setUp(repo.root, dry));
    for (const c of changes) print(ctx, `  ${col.green(c.action.padEnd(7))} ${rel(repo, c.file)}  ${col.dim(c.detail)}`);
  }
  for (const t of next) print(ctx, commandMessages.thenRun(t));
  for (const n of notes) print(ctx, `${col.yellow('note:')} ${n}`);
  if (!dry && changes.length) print(ctx, commandMessages.nextSteps());
  return 0;
}

/** Repository-relative, with `/` (paths outside it stay absolute). */
function rel(repo: Repo, file: string): string {
  const r = relative(repo.root, file);
  return r && !r.startsWith('..') ? r.split(sep).join('/') : file;
}

/**
 * `sortie uninstall`: puts back what init changed, from init's journal. A file still as init left
 * it gets its bytes and mode back exactly; one changed since loses only sortie's part. It works
 * after an interrupted init too (the journal is written before each change). The database and task
 * files stay, unless the init that made the database never finished.
 */
export async function uninstall(o: OptionsOf<'uninstall'>, ctx: Ctx): Promise<number> {
  const repo = requireRepo(ctx.cwd);
  const seam = failSeam(ctx.env);
  const dry = o.dryRun;
  const journal = readJournal(repo);
  // This clone's claims on the git remote go first, while the config that names the remote is here.
  const remote = o.remote ? await removeRemoteClaims(ctx, dry) : undefined;
  const setups: AgentSetups = await Promise.all(AGENT_LIST.map(async (agent) => ({ agent, setup: await agent.setup() })));
  const changes: FileChange[] = [];
  const tx = new Tx(repo, ctx.env, seam, dry);
  try {
    if (journal) {
      const done = new Set<string>();
      for (const e of [...journal.entries].reverse()) {
        const key = e.op === 'config' ? `config:${e.key}` : `${e.op}:${e.path}`;
        if (done.has(key)) continue;
        done.add(key);
        undoEntry(repo, ctx.env, e, journal.complete, journal.facts, o.keepConfig, tx, changes, setups);
      }
    } else {
      // No journal (an install older than it): take out sortie's parts by what they look like;
      // the files the old manifest says init created go when nothing else is left in them.
      const created = createdByOldInit(repo);
      for (const { agent, setup } of setups) {
        for (const c of setup.uninstall(setupContext(repo.root, ctx.env, agent, { dryRun: dry, files: txFiles(tx) }), created)) if (c.action !== 'unchanged') changes.push(c);
      }
      const cfg = join(repo.root, '.sortierc.json');
      if (created.includes(cfg) && existsSync(cfg) && !o.keepConfig) {
        tx.remove(cfg);
        changes.push({ file: cfg, action: 'remove', detail: 'config (created by sortie init)' });
      }
      for (const h of GIT_HOOKS) {
        const file = join(repo.root, '.husky', h);
        if (!existsSync(file)) continue;
        const text = readFileSync(file, 'utf8');
        const stripped = removeBlock(text);
        if (stripped === text) continue;
        if (stripped.trim() === '') tx.remove(file);
        else tx.write(file, stripped);
        changes.push({ file, action: stripped.trim() === '' ? 'remove' : 'update', detail: `sortie's block out of ${h}` });
      }
      for (const f of machineFiles(repo)) {
        if (!existsSync(f)) continue;
        tx.remove(f);
        changes.push({ file: f, action: 'remove', detail: 'machine-local hook settings' });
      }
    }
    tx.forget();
  } catch (e) {
    tx.rollback();
    throw e;
  }
  const keptDb = existsSync(dbPath(repo, ctx.env, ctx.cwd));
  if (o.json) {
    printJson(ctx, {
      changed: changes.length > 0,
      dryRun: dry,
      changes: changes.map((c) => changeJson(repo.root, c)),
      keptDatabase: keptDb ? rel(repo, dbPath(repo, ctx.env, ctx.cwd)) : null,
      ...(remote ? { remote: remote } : {}),
    });
    return remote?.error || remote?.failed.length ? 1 : 0;
  }
  if (remote) ctx.stderr.write(commandMessages.remoteClaimsRemoved(remote, dry));
  if (changes.length === 0) {
    print(ctx, commandMessages.nothingInstalled());
    return 0;
  }
  const col = colors(ctx);
  print(ctx, commandMessages.removed(repo.root, dry));
  for (const c of changes) print(ctx, `  ${col.yellow(c.action.padEnd(7))} ${rel(repo, c.file)}  ${col.dim(c.detail)}`);
  if (keptDb) print(ctx, col.dim(commandMessages.keptData(rel(repo, dbPath(repo, ctx.env, ctx.cwd)))));
  return 0;
}

type AgentSetups = { agent: AgentAdapter; setup: AgentSetup }[];

type RemoteRemoval = { remote: string; removed: string[]; failed: { task: string; detail: string }[]; error: string | null };

/** `uninstall --remote`: removes the claims this clone holds on the git remote (remote/share.ts). */
async function removeRemoteClaims(ctx: Ctx, dry: boolean): Promise<RemoteRemoval | undefined> {
  const w = await openWorld(ctx, { create: 'never' });
  if (!w) return undefined;
  try {
    const s = sharingOf(w, ctx.env);
    if (!s) return { remote: w.config.remote.name, removed: [], failed: [], error: w.config.remote.enabled ? `no git remote "${w.config.remote.name}"` : 'sharing is off (remote.enabled = false)' };
    const r = removeClaimsOfClone(w, s, ctx.now(), { dryRun: dry });
    return { remote: s.name, removed: r.removed, failed: r.failed, error: r.error ?? null };
  } finally {
    w.close();
  }
}

/** The files an install older than the journal recorded as created (its v1 manifest, at the journal's path). */
function createdByOldInit(repo: Repo): string[] {
  try {
    const m = JSON.parse(readFileSync(journalPath(repo), 'utf8')) as { version?: unknown; createdFiles?: unknown };
    return m.version === 1 && Array.isArray(m.createdFiles) ? m.createdFiles.filter((f): f is string => typeof f === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * An agent's config file with sortie's entries taken out, by that agent's own setup (undefined:
 * `file` is no agent's config, or holds none of sortie's entries); '' when init created the file
 * and nothing else is left in it.
 */
function withoutAgentEntries(repo: Repo, env: Env, setups: AgentSetups, file: string, created: boolean): string | undefined {
  for (const { agent, setup } of setups) {
    if (!setup.configFiles(repo.root).includes(file)) continue;
    let out: string | undefined;
    const capture: RepoFiles = { write: (f, text) => void (f === file && (out = text)), remove: (f) => void (f === file && (out = '')), mkdir: () => undefined };
    setup.uninstall(setupContext(repo.root, env, agent, { files: capture }), created ? [file] : []);
    return out;
  }
  return undefined;
}

/** Undoes one journal entry for uninstall: exactly when untouched since, else sortie's part only. */
function undoEntry(repo: Repo, env: Env, e: JournalEntry, complete: boolean, facts: Record<string, unknown>, keepConfig: boolean, tx: Tx, changes: FileChange[], setups: AgentSetups): void {
  switch (e.op) {
    case 'file': {
      const isConfig = e.path === join(repo.root, '.sortierc.json') && e.before === null;
      if (isConfig && keepConfig) return;
      if (untouchedSince(e)) {
        const now = existsSync(e.path);
        if (!now && e.before === null) return;
        tx.restore(e.path, e.before);
        changes.push({ file: e.path, action: e.before === null ? 'remove' : 'update', detail: e.before === null ? 'created by sortie init' : 'put back as it was before sortie init' });
        return;
      }
      if (!existsSync(e.path)) return;
      // Changed since init: take out only sortie's part.
      const text = readFileSync(e.path, 'utf8');
      let next = text;
      const agentPart = withoutAgentEntries(repo, env, setups, e.path, e.before === null);
      if (agentPart !== undefined) next = agentPart;
      else if (e.path.startsWith(join(repo.root, '.husky') + sep)) next = removeBlock(text);
      else if (basename(e.path) === 'package.json') {
        const s = facts.script as { name: string; previous: string | null } | undefined;
        if (s) {
          const cur = (JSON.parse(text) as { scripts?: Record<string, string> }).scripts?.[s.name];
          if (cur === scriptWith(s.previous ?? undefined)) next = s.previous === null ? removeNested(text, 'scripts', s.name, true) : setNested(text, 'scripts', s.name, s.previous);
        }
        next = removeManagerWiring(next, (facts.wired as Record<string, Wired> | undefined)?.[e.path]);
      } else if (e.path.startsWith(repo.commonDir + sep) || isConfig) {
        next = '';
      } else next = removeManagerWiring(text, (facts.wired as Record<string, Wired> | undefined)?.[e.path]);
      const mode = e.before?.mode;
      if (next === text && mode === undefined) return;
      if ((e.before === null && next.trim() === '') || (next === '' && e.path.startsWith(repo.commonDir + sep))) {
        tx.remove(e.path);
        changes.push({ file: e.path, action: 'remove', detail: 'created by sortie init' });
      } else if (next !== text) {
        tx.write(e.path, next, mode === undefined ? {} : { mode });
        changes.push({ file: e.path, action: 'update', detail: "sortie's part taken out (the rest was changed since init and stays)" });
      }
      return;
    }
    case 'dir':
      if (!tx.isDry && removeEmptyDir(e.path)) changes.push({ file: e.path, action: 'remove', detail: 'folder created by sortie init' });
      return;
    case 'config': {
      const now = gitConfigValue(repo, env, e.key);
      if (now === e.before) return;
      // husky's own install (a project's `prepare: husky`) may have made it relative since: still sortie's to put back.
      if (now !== e.after && !(e.key === 'core.hooksPath' && now === '.husky/_')) return;
      tx.gitConfig(e.key, e.before);
      changes.push({ file: join(repo.commonDir, 'config'), action: 'update', detail: `${e.key} ${e.before === null ? 'unset' : `back to ${e.before}`}` });
      return;
    }
    case 'tree':
      if (e.before === null && existsSync(e.path)) {
        tx.removeTree(e.path);
        changes.push({ file: e.path, action: 'remove', detail: "husky's folder (made by sortie init)" });
      }
      return;
    case 'db':
      if (complete || !existsSync(e.path)) return;
      // The init that made it never finished: nothing of value is in it.
      tx.removeDb(e.path);
      changes.push({ file: e.path, action: 'remove', detail: 'database made by an init that did not finish' });
      return;
  }
}

/** Takes sortie's part out of a hook manager's file: exactly what `init --wire` appended, or the keys it set. */
function removeManagerWiring(text: string, wired: Wired | undefined): string {
  if (wired?.inserted) {
    let next = text;
    for (const part of wired.inserted) {
      const at = next.indexOf(part);
      if (at >= 0) next = next.slice(0, at) + next.slice(at + part.length);
    }
    return next;
  }
  if (wired?.appended) {
    const at = text.indexOf(wired.appended);
    return at < 0 ? text : text.slice(0, at) + text.slice(at + wired.appended.length);
  }
  if (wired?.keys) {
    let next = text;
    for (const [k, prev] of Object.entries(wired.keys)) next = prev === null ? removeNested(next, 'simple-git-hooks', k, true) : setNested(next, 'simple-git-hooks', k, prev);
    return next;
  }
  return text;
}

/**
 * `sortie prepare`: what the project's install script runs on every clone. It wires this clone's
 * git hooks (husky's folder, the absolute core.hooksPath, this machine's settings) where the
 * project set sortie up, and says in one line what stops the hooks from working (a native module
 * that was not built). It never fails the install.
 */
export async function prepare(_o: OptionsOf<'prepare'>, ctx: Ctx): Promise<number> {
  try {
    // Run as a dependency's script inside node_modules (a package that depends on this project): not ours to wire.
    if (ctx.cwd.split(sep).includes('node_modules')) return 0;
    const repo = findRepo(ctx.cwd);
    if (!repo || ctx.env.SORTIE_SKIP === '1') return 0;
    const loaded = await loadConfig(repo.root);
    if (!loaded.file) return 0; // not opted in
    try {
      checkDriver();
    } catch (e) {
      const p = nativeProblem(e, detectPackageManager(repo.root, ctx.env));
      ctx.stderr.write(commandMessages.prepareNative(p ? p.message.replace(/; nothing was written$/, '') : errorMessage(e), p?.hint ?? ''));
    }
    const tx = new Tx(repo, ctx.env, { k: 0, kill: false }, false);
    try {
      tx.begin();
      const r = prepareGit(repo, loaded.config, ctx.env, tx);
      tx.commit();
      if (r.changes.length) print(ctx, commandMessages.prepared(r.changes.length));
    } catch (e) {
      tx.rollback();
      throw e;
    }
  } catch (e) {
    ctx.stderr.write(commandMessages.prepareFailed(errorMessage(e)));
  }
  return 0;
}
