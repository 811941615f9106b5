import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { commandMessages } from './messages.js';
import type { OptionsOf } from './specs.js';
import { loadConfig, presetNames, resolveConfig } from '../config/load.js';
import { SortieError } from '../errors.js';
import { requireRepo } from '../git.js';
import { AGENT_LIST, agentNamed } from '../agents/index.js';
import type { AgentAdapter, AgentSetup, TrustState } from '../agents/types.js';
import type { FileChange } from '../files.js';
import { setupContext } from '../install/agents.js';
import { installMessages } from '../install/messages.js';
import { GIT_HOOKS, hooksPathState, installGit, uninstallGit } from '../install/git.js';
import { readManifest, removeManifest, writeManifest, type Manifest } from '../install/manifest.js';
import { writeFileAtomic } from '../files.js';
import { dbPath } from '../store/open.js';
import { openWorld } from '../world/open.js';
import { queueDir } from '../store/queue.js';
import { colors, print, printJson } from '../ui.js';
import type { Ctx } from '../ctx.js';

/**
 * The agents init sets up: those named with --agent, else those whose config the repository
 * already has (each adapter's `detect`), else Claude Code.
 */
async function chooseAgents(o: OptionsOf<'init'>, root: string): Promise<{ agents: { agent: AgentAdapter; setup: AgentSetup; found: string[] }[]; defaulted: boolean }> {
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

/**
 * `sortie init`: config, the agents' hooks, git hooks through husky, the database, then each
 * agent's trust gate (checked, met with --trust, else explained). Idempotent: it compares before
 * writing, and a second run reports that nothing changed.
 */
export async function init(o: OptionsOf<'init'>, ctx: Ctx): Promise<number> {
  const repo = requireRepo(ctx.cwd);
  const dry = o.dryRun;
  const preset = o.preset ?? 'recommended';
  if (!presetNames().includes(preset)) {
    const m = commandMessages.unknownPreset(preset, presetNames());
    throw new SortieError('USAGE', m.message, { hint: m.hint });
  }
  // Chosen first: an unknown agent is a usage error before anything is written.
  const { agents, defaulted } = await chooseAgents(o, repo.root);
  const changes: FileChange[] = [];
  const manifest: Manifest = readManifest(repo) ?? { version: 1, createdFiles: [] };
  const created = (f: FileChange) => {
    if (f.action === 'create' && !manifest.createdFiles.includes(f.file)) manifest.createdFiles.push(f.file);
  };

  // 1. config
  let loaded = await loadConfig(repo.root);
  if (!loaded.file) {
    const file = join(repo.root, '.sortierc.json');
    const text = `${JSON.stringify({ extends: preset }, null, 2)}\n`;
    if (!dry) writeFileAtomic(file, text);
    changes.push({ file, action: 'create', detail: `config extending the "${preset}" preset` });
    created(changes[changes.length - 1]!);
    loaded = { config: resolveConfig({ extends: preset }, file), file };
  }

  // 2. the agents' hooks
  for (const { agent, setup } of agents) {
    for (const c of setup.install(setupContext(repo.root, ctx.env, agent, dry))) {
      if (c.action !== 'unchanged') changes.push(c);
      created(c);
    }
  }

  // 3. git hooks
  if (!o.noGit) {
    const before = hooksPathState(repo, ctx.env);
    const hadHusky = existsSync(join(repo.root, '.husky', '_', 'h'));
    const existingHooks = GIT_HOOKS.filter((h) => existsSync(join(repo.root, '.husky', h)));
    const g = installGit(repo, loaded.config, ctx.env, dry);
    changes.push(...g.changes);
    if (!manifest.git) {
      manifest.git = {
        createdHooks: GIT_HOOKS.filter((h) => !existingHooks.includes(h)),
        previousHooksPath: before.current ?? null,
        huskyInstalledBySortie: !hadHusky,
      };
    }
    // 4. package.json: `prepare: husky` so a fresh clone's npm install sets the hooks up.
    const pkgFile = join(repo.root, 'package.json');
    if (existsSync(pkgFile)) {
      const text = readFileSync(pkgFile, 'utf8');
      let pkg: { scripts?: Record<string, string> };
      try {
        pkg = JSON.parse(text) as typeof pkg;
      } catch (e) {
        throw new SortieError('INSTALL', commandMessages.notJson(pkgFile, (e as Error).message));
      }
      const prepare = pkg.scripts?.prepare;
      if (!prepare || !/\bhusky\b/.test(prepare)) {
        manifest.packageJson ??= { previousPrepare: prepare ?? null };
        const next = { ...pkg, scripts: { ...(pkg.scripts ?? {}), prepare: prepare ? `${prepare} && husky` : 'husky' } };
        const indent = /^\s*\n?(\t| +)/m.exec(text.split('\n')[1] ?? '')?.[1] ?? '  ';
        if (!dry) writeFileAtomic(pkgFile, `${JSON.stringify(next, null, indent)}\n`);
        changes.push({ file: pkgFile, action: 'update', detail: `scripts.prepare = "${next.scripts.prepare}"` });
      }
    }
  }

  // 5. database
  const file = dbPath(repo, ctx.env, ctx.cwd);
  if (!existsSync(file)) {
    if (!dry) {
      (await openWorld(ctx, { create: 'always', config: loaded }))!.close();
      mkdirSync(queueDir(file), { recursive: true });
    }
    changes.push({ file, action: 'create', detail: 'database (shared by every worktree, never committed)' });
  }
  if (!dry && changes.length) writeManifest(repo, manifest);

  // 6. trust gates: the agent must agree to run the hooks (after they are written: Codex trusts a hook by its hash)
  const notes: string[] = [];
  const trust: Record<string, (TrustState & { applied?: string[] }) | undefined> = {};
  for (const { agent, setup } of agents) {
    if (!setup.trust || dry) continue;
    const s = setupContext(repo.root, ctx.env, agent);
    let state = await setup.trust.state(s);
    if (state.trusted !== true && o.trust && setup.trust.apply) {
      try {
        const applied = await setup.trust.apply(s);
        state = { ...(await setup.trust.state(s)), applied } as TrustState & { applied: string[] };
        if (applied.length) notes.push(installMessages.trusted(agent.label, applied));
      } catch (e) {
        notes.push(installMessages.trustFailed(agent.label, (e as Error).message, setup.trust.steps(repo.root)));
      }
    }
    if (state.trusted !== true && (state.fix || !o.trust || !setup.trust.apply)) {
      notes.push(state.fix ? installMessages.hooksOff(agent.label, state.message, state.fix) : installMessages.trustNeeded(agent.label, setup.trust.steps(repo.root), setup.trust.apply !== undefined));
    }
    trust[agent.name] = state;
  }
  if (defaulted) notes.push(installMessages.defaultAgent(agents[0]!.agent.label, AGENT_LIST.slice(1).map((a) => a.name)));

  if (o.json) {
    printJson(ctx, {
      changed: changes.length > 0,
      dryRun: dry,
      changes: changes.map((c) => ({ ...c, file: relative(repo.root, c.file) || c.file })),
      agents: agents.map(({ agent, found }) => ({ name: agent.name, found, trust: trust[agent.name] })),
      notes,
    });
    return 0;
  }
  const col = colors(ctx);
  if (changes.length === 0) print(ctx, commandMessages.alreadySetUp(repo.root));
  else {
    print(ctx, commandMessages.setUp(repo.root, dry));
    for (const c of changes) print(ctx, `  ${col.green(c.action.padEnd(7))} ${relative(repo.root, c.file) || c.file}  ${col.dim(c.detail)}`);
  }
  for (const n of notes) print(ctx, `${col.yellow('note:')} ${n}`);
  if (!dry && changes.length) print(ctx, commandMessages.nextSteps());
  return 0;
}

export async function uninstall(o: OptionsOf<'uninstall'>, ctx: Ctx): Promise<number> {
  const repo = requireRepo(ctx.cwd);
  const dry = o.dryRun;
  const manifest = readManifest(repo);
  const changes: FileChange[] = [];
  for (const agent of AGENT_LIST) {
    const setup = await agent.setup();
    for (const c of setup.uninstall(setupContext(repo.root, ctx.env, agent, dry), manifest?.createdFiles ?? [])) if (c.action !== 'unchanged') changes.push(c);
  }
  changes.push(...uninstallGit(repo, ctx.env, manifest?.git, dry));
  const pkgFile = join(repo.root, 'package.json');
  if (manifest?.packageJson && existsSync(pkgFile)) {
    const text = readFileSync(pkgFile, 'utf8');
    const pkg = JSON.parse(text) as { scripts?: Record<string, string> };
    const scripts = { ...(pkg.scripts ?? {}) };
    if (manifest.packageJson.previousPrepare === null) delete scripts.prepare;
    else scripts.prepare = manifest.packageJson.previousPrepare;
    const next: Record<string, unknown> = { ...pkg, scripts };
    if (Object.keys(scripts).length === 0) delete next.scripts;
    if (!dry) writeFileAtomic(pkgFile, `${JSON.stringify(next, null, 2)}\n`);
    changes.push({ file: pkgFile, action: 'update', detail: 'scripts.prepare restored' });
  }
  const cfg = join(repo.root, '.sortierc.json');
  if (manifest?.createdFiles.includes(cfg) && existsSync(cfg) && !o.keepConfig) {
    if (!dry) rmSync(cfg);
    changes.push({ file: cfg, action: 'remove', detail: 'config (created by sortie init)' });
  }
  if (!dry) removeManifest(repo);
  if (o.json) {
    printJson(ctx, { changed: changes.length > 0, dryRun: dry, changes: changes.map((c) => ({ ...c, file: relative(repo.root, c.file) || c.file })), keptDatabase: dbPath(repo, ctx.env, ctx.cwd) });
    return 0;
  }
  if (changes.length === 0) {
    print(ctx, commandMessages.nothingInstalled());
    return 0;
  }
  const col = colors(ctx);
  print(ctx, commandMessages.removed(repo.root, dry));
  for (const c of changes) print(ctx, `  ${col.yellow(c.action.padEnd(7))} ${relative(repo.root, c.file) || c.file}  ${col.dim(c.detail)}`);
  print(ctx, col.dim(commandMessages.keptData(relative(repo.root, dbPath(repo, ctx.env, ctx.cwd)))));
  return 0;
}
