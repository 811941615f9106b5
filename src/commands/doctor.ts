import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { OptionsOf } from './specs.js';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { DEFAULT_CONFIG } from '../config/defaults.js';
import type { SortieConfig } from '../config/types.js';
import { errorMessage, isSortieError } from '../errors.js';
import { findRepo, git } from '../git.js';
import { AGENT_LIST } from '../agents/index.js';
import type { AgentAdapter, Finding } from '../agents/types.js';
import { setupContext } from '../install/agents.js';
import { PACKAGE_ROOT } from '../install/paths.js';
import { BLOCK_START, GIT_HOOKS, hookBlock, hooksPathState } from '../install/git.js';
import { dbPath, inspectDb, schemaVersion } from '../store/open.js';
import { hookSettingsFile } from '../store/paths.js';
import { orphanClaims } from '../tasks/tasks.js';
import { LATEST_VERSION } from '../store/migrations.js';
import { countLiveAgentMissions, deadOrSilent } from '../missions/missions.js';
import { colors, print, printJson } from '../ui.js';
import type { Ctx } from '../ctx.js';
import { openWorld, refresh, type World } from '../world/open.js';

export type { Finding };

/** Checks the install, the database, stale missions and orphan claims; prints the fix for each problem. */
export async function doctor(o: OptionsOf<'doctor'>, ctx: Ctx): Promise<number> {
  const findings = await diagnose(ctx);
  const bad = findings.filter((f) => f.level === 'error').length;
  if (o.json) {
    printJson(ctx, { ok: bad === 0, findings });
    return bad ? 1 : 0;
  }
  const c = colors(ctx);
  for (const f of findings) {
    const mark = f.level === 'ok' ? c.green('ok  ') : f.level === 'warn' ? c.yellow('warn') : c.red('FAIL');
    print(ctx, `${mark} ${f.check}: ${f.message}`);
    if (f.fix) print(ctx, `     ${c.dim('fix:')} ${f.fix}`);
  }
  print(ctx, bad ? c.red(`\n${bad} problem(s) need fixing`) : c.green('\nall good'));
  return bad ? 1 : 0;
}

async function diagnose(ctx: Ctx): Promise<Finding[]> {
  const out: Finding[] = [];
  const add = (f: Finding) => out.push(f);
  const major = Number(process.versions.node.split('.')[0]);
  add(major >= 20 ? { check: 'node', level: 'ok', message: process.version } : { check: 'node', level: 'error', message: `${process.version} is too old`, fix: 'install Node.js 20 or newer' });
  const gitVersion = git(['--version'], { cwd: ctx.cwd, env: ctx.env });
  add(gitVersion.ok && gitVersion.out ? { check: 'git', level: 'ok', message: gitVersion.out.replace('git version ', '') } : { check: 'git', level: 'error', message: 'git not found on PATH', fix: 'install git' });
  const repo = findRepo(ctx.cwd);
  if (!repo) {
    add({ check: 'repository', level: 'error', message: `${ctx.cwd} is not inside a git repository`, fix: 'cd into your project' });
    return out;
  }
  let config: SortieConfig | undefined;
  let loaded: LoadedConfig | undefined;
  try {
    loaded = await loadConfig(repo.root);
    config = loaded.config;
    add(loaded.file ? { check: 'config', level: 'ok', message: relative(repo.root, loaded.file) } : { check: 'config', level: 'warn', message: 'no config file; using defaults', fix: 'sortie init' });
  } catch (e) {
    add({ check: 'config', level: 'error', message: errorMessage(e), fix: isSortieError(e) ? e.hint : undefined });
  }

  // the agents' hooks, and whether each agent will run them
  out.push(...(await agentFindings(repo.root, ctx)));

  // git hooks
  const hp = hooksPathState(repo, ctx.env);
  const huskyDir = join(repo.root, '.husky');
  const hookText = (h: string) => (existsSync(join(huskyDir, h)) ? readFileSync(join(huskyDir, h), 'utf8') : '');
  const withBlock = GIT_HOOKS.filter((h) => hookText(h).includes(BLOCK_START));
  const outdated = withBlock.filter((h) => !hookText(h).includes(hookBlock(h)));
  if (!hp.ours) add({ check: 'git hooks', level: 'warn', message: hp.current ? `core.hooksPath is "${hp.current}" (another hook manager)` : `.git/hooks holds ${hp.foreignHooks.join(', ')}`, fix: 'see `sortie init` for the choices' });
  else if (withBlock.length < GIT_HOOKS.length) add({ check: 'git hooks', level: 'error', message: `sortie block missing from ${GIT_HOOKS.filter((h) => !withBlock.includes(h)).join(', ')}`, fix: 'sortie init' });
  else if (hp.current !== join(huskyDir, '_')) add({ check: 'git hooks', level: 'warn', message: `core.hooksPath is "${hp.current ?? '(unset)'}"; hooks will not fire in worktrees`, fix: `sortie init   (sets it to ${join(huskyDir, '_')})` });
  else if (outdated.length) add({ check: 'git hooks', level: 'warn', message: `the sortie block in ${outdated.join(', ')} is from an older sortie`, fix: 'sortie init' });
  else if (!existsSync(hookSettingsFile(repo))) add({ check: 'git hooks', level: 'warn', message: `this machine's hook settings ${relative(repo.root, hookSettingsFile(repo))} are missing (slower fallback in use)`, fix: 'sortie init' });
  else add({ check: 'git hooks', level: 'ok', message: `${GIT_HOOKS.join(', ')} via husky` });

  // the hook's V8 code cache for this Node (see scripts/hook-loader.cjs)
  const cache = join(PACKAGE_ROOT, 'dist', `hook-bundle.${process.arch}-${process.versions.v8}.cache`);
  add(existsSync(cache) ? { check: 'hook code cache', level: 'ok', message: `for Node ${process.version}` } : { check: 'hook code cache', level: 'warn', message: `none for Node ${process.version} yet (hooks compile on each start, a few ms slower)`, fix: 'it is written by the next hook run, or by rebuilding sortie (npm rebuild sortie)' });

  // database
  const file = dbPath(repo, ctx.env, ctx.cwd);
  if (!existsSync(file)) {
    add({ check: 'database', level: 'warn', message: `not created yet (${file})`, fix: 'sortie init' });
    return out;
  }
  let w: World | undefined;
  try {
    // Inspected as it is (no migration); a broken config still lets the database be checked.
    w = await openWorld(ctx, { create: 'never', migrate: false, config: loaded ?? { config: structuredClone(DEFAULT_CONFIG), file: undefined } });
  } catch (e) {
    add({ check: 'database', level: 'error', message: errorMessage(e), fix: isSortieError(e) ? e.hint : undefined });
    return out;
  }
  if (!w) return out;
  const { db } = w;
  try {
    const v = schemaVersion(db);
    const { integrity, journalMode } = inspectDb(db);
    if (integrity !== 'ok') add({ check: 'database', level: 'error', message: `integrity_check: ${integrity}`, fix: `move ${file} aside; task files are the source of truth and the index rebuilds itself` });
    else if (v < LATEST_VERSION) add({ check: 'database', level: 'warn', message: `schema ${v}, this sortie uses ${LATEST_VERSION}`, fix: 'any sortie command migrates it (sortie status)' });
    else add({ check: 'database', level: 'ok', message: `${relative(repo.root, file)}, schema ${v}, integrity ok, ${journalMode}` });
    if (v < 1) return out;
    if (config) {
      // Findings below are about the state after what hooks queued (ends, heartbeats, commits).
      const r = refresh(w, { sync: 'full', catchUp: v === LATEST_VERSION }, ctx)!;
      if (r.problems.length) {
        for (const prob of r.problems.slice(0, 20)) add({ check: 'task file', level: 'warn', message: `${relative(repo.root, prob.path)}${prob.line ? `:${prob.line}` : ''}: ${prob.message}`, fix: `edit ${relative(repo.root, prob.path)}` });
      } else add({ check: 'task files', level: 'ok', message: `${r.scanned} task file(s) readable` });
    }

    // stale missions: what `sortie mission reap` would close
    const stale = deadOrSilent(db, { now: ctx.now(), staleAfter: config?.missions.staleAfter ?? '2h' }).map((d) => d.m);
    const live = countLiveAgentMissions(db);
    add(stale.length ? { check: 'missions', level: 'warn', message: `${stale.length} live mission(s) whose agent is gone or silent: ${stale.map((m) => m.codename).join(', ')}`, fix: 'sortie mission reap' } : { check: 'missions', level: 'ok', message: `${live} live agent mission(s), none stale` });

    const orphans = orphanClaims(db);
    add(orphans.length ? { check: 'claims', level: 'error', message: `orphan claims: ${orphans.map((o) => `${o.task_id} (${o.codename}${o.ended_at ? ', mission ended' : ', task file missing'})`).join(', ')}`, fix: orphans.map((o) => `sortie task release ${o.task_id} --force`).join('; ') } : { check: 'claims', level: 'ok', message: 'no orphan claims' });
  } finally {
    w.close();
  }
  return out;
}

/** The name doctor gives an agent's checks: `claude hooks`, `codex trust`. */
function short(a: AgentAdapter): string {
  return a.aliases[0] ?? a.name;
}

/**
 * Each agent whose config holds a sortie entry, or that the repository uses: every event wired,
 * the hook entry there, and the agent willing to run them (its trust gate). Configured hooks that
 * the agent will not run are an error.
 */
async function agentFindings(root: string, ctx: Ctx): Promise<Finding[]> {
  const out: Finding[] = [];
  let wired = 0;
  for (const agent of AGENT_LIST) {
    const setup = await agent.setup();
    const s = setupContext(root, ctx.env, agent);
    const entries = setup.entries(root, s.line);
    const missing = entries.filter((e) => !e.installed).map((e) => e.event);
    const check = `${short(agent)} hooks`;
    if (missing.length === entries.length) {
      const found = setup.detect(root);
      if (found.length) out.push({ check, level: 'warn', message: `this repository has ${found.join(', ')} but sortie's ${agent.label} hooks are not installed`, fix: `sortie init --agent ${agent.name}` });
      continue;
    }
    wired++;
    if (missing.length) {
      out.push({ check, level: 'error', message: `not installed for ${missing.join(', ')}`, fix: 'sortie init' });
      continue;
    }
    const entry = /f="([^"]+)"/.exec(entries[0]?.command ?? '')?.[1]?.replace(agent.projectVar, root);
    out.push(entry && existsSync(entry) ? { check, level: 'ok', message: `${entries.length} events wired to ${entry}` } : { check, level: 'error', message: `the hook entry ${entry} does not exist`, fix: 'npm install (then sortie init)' });
    out.push(...(setup.checks?.(s) ?? []));
    if (!setup.trust) continue;
    const t = await setup.trust.state(s);
    const tcheck = `${short(agent)} trust`;
    if (t.trusted === true) out.push({ check: tcheck, level: 'ok', message: t.message });
    else if (t.trusted === false) out.push({ check: tcheck, level: 'error', message: `${t.message}: ${agent.label} will not run sortie's hooks`, fix: t.fix ?? `${setup.trust.steps(root)}   (or: sortie init --trust)` });
    else out.push({ check: tcheck, level: 'warn', message: t.message, fix: setup.trust.steps(root) });
  }
  if (wired === 0) out.push({ check: 'agent hooks', level: 'error', message: 'no agent has sortie hooks installed', fix: `sortie init   (or: sortie init --agent <${AGENT_LIST.map((a) => a.name).join('|')}>)` });
  return out;
}
