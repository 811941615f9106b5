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
import { resolveHookCommand } from '../install/command.js';
import { PACKAGE_ROOT } from '../install/paths.js';
import { BLOCK_START, GIT_HOOKS, hookBlock, hooksEnvProblem, huskyHooksDir } from '../install/git.js';
import { CONFIG_HOOKS_SINCE, detectHookManagers, gitVersion, hooksFolder, snippetFor, wiringLive } from '../install/hook-managers.js';
import { detectPackageManager, nativeBuildFix } from '../install/package-manager.js';
import { projectInstallDir } from '../install/paths.js';
import { checkDriver, dbPath, inspectDb, schemaVersion } from '../store/open.js';
import { hookSettingsFile } from '../store/paths.js';
import { orphanClaims } from '../tasks/tasks.js';
import { claimDrift, dependencyCycles, releaseClaimsOnClosed } from '../tasks/consistency.js';
import type { Settled } from '../tasks/intent.js';
import { findCollisions, type Collision } from '../tasks/collisions.js';
import { LATEST_VERSION } from '../store/migrations.js';
import { countLiveAgentMissions, deadOrSilent } from '../missions/missions.js';
import { colors, forTerminal, print, printJson } from '../ui.js';
import type { Ctx } from '../ctx.js';
import { openWorld, refresh, type World } from '../world/open.js';
import { outboxSize, probeRemote, refreshCache, sharingOf } from '../remote/share.js';
import { cacheFetchedAt } from '../remote/cache.js';
import { ago } from '../time.js';
import { fixForRefusal } from '../remote/messages.js';
import { findingJson } from './json.js';

export type { Finding };

/** Checks the install, the database, stale missions and orphan claims; prints the fix for each problem. */
export async function doctor(o: OptionsOf<'doctor'>, ctx: Ctx): Promise<number> {
  if (o.fix) return fixThem(o, ctx);
  const findings = await diagnose(ctx);
  if (o.json) {
    printJson(ctx, { ok: problems(findings).length === 0, findings: findings.map(findingJson) });
    return problems(findings).length ? 1 : 0;
  }
  return report(findings, ctx);
}

/**
 * Something wrong is something wrong, whatever its level: a script checking `sortie doctor` must
 * not be told "fine" about stale missions, unreadable task files or repaired drift.
 */
function problems(findings: Finding[]): Finding[] {
  return findings.filter((f) => f.level === 'error' || f.level === 'warn');
}

function report(findings: Finding[], ctx: Ctx): number {
  const bad = problems(findings).length;
  const c = colors(ctx);
  for (const f of findings) {
    const mark = f.level === 'ok' ? c.green('ok  ') : f.level === 'info' ? c.dim('note') : f.level === 'warn' ? c.yellow('warn') : c.red('FAIL');
    // Findings quote task files, paths and the database: made safe for the terminal here, once.
    print(ctx, `${mark} ${f.check}: ${forTerminal(f.message, 2000)}`);
    if (f.fix) print(ctx, `     ${c.dim('fix:')} ${forTerminal(f.fix, 2000)}`);
  }
  print(ctx, bad ? c.red(`\n${bad} problem(s) need fixing`) : c.green('\nall good'));
  return bad ? 1 : 0;
}

/** A sortie command a printed fix names: `sortie init --agent codex`, `npx sortie prepare`. */
const SORTIE_COMMAND = /^(?:npx )?sortie((?: [A-Za-z0-9][A-Za-z0-9._:/=-]*| --?[a-z][a-z-]*)+)$/;

/**
 * The sortie commands that apply a printed fix, when the fix is nothing but those (one, or several
 * joined by "; "), before any "   (...)" remark; else the command after an "or:" (`(or: sortie
 * init --trust)`, `your package manager's install, or: npx sortie prepare`).
 * Undefined when a person has to do it (edit a file, install something, work in another checkout)
 * or when it would be doctor again.
 */
export function runnableFix(fix: string | undefined): string[][] | undefined {
  if (!fix) return undefined;
  const parse = (text: string): string[][] | undefined => {
    const cmds: string[][] = [];
    for (const part of text.split('; ')) {
      const m = SORTIE_COMMAND.exec(part.trim());
      if (!m) return undefined;
      const argv = m[1]!.trim().split(/\s+/);
      if (argv[0] === 'doctor') return undefined;
      cmds.push(argv);
    }
    return cmds.length ? cmds : undefined;
  };
  const alt = /\bor: ((?:npx )?sortie [^)]*)/.exec(fix)?.[1];
  return parse(fix.split('   (')[0]!) ?? (alt ? parse(alt) : undefined);
}

/**
 * `doctor --fix`: lists the problems, the sortie command that fixes each one it can fix and what
 * is left to a person, runs those commands (each once, in the order found), then checks again.
 */
async function fixThem(o: OptionsOf<'doctor'>, ctx: Ctx): Promise<number> {
  const found = problems(await diagnose(ctx));
  const plan = new Map<string, { argv: string[]; checks: string[] }>();
  const manual: Finding[] = [];
  for (const f of found) {
    const cmds = runnableFix(f.fix);
    if (!cmds) {
      manual.push(f);
      continue;
    }
    for (const argv of cmds) {
      const key = argv.join(' ');
      const step = plan.get(key) ?? { argv, checks: [] };
      if (!step.checks.includes(f.check)) step.checks.push(f.check);
      plan.set(key, step);
    }
  }
  const c = colors(ctx);
  if (!o.json) {
    print(ctx, found.length ? `${found.length} problem(s) found` : 'nothing to fix');
    if (plan.size) print(ctx, `\n${c.bold('will run')}`);
    for (const [cmd, step] of plan) print(ctx, `  sortie ${forTerminal(cmd, 400)}   ${c.dim(`(${step.checks.join(', ')})`)}`);
    if (manual.length) print(ctx, `\n${c.bold('left to you')}`);
    for (const f of manual) print(ctx, `  ${f.check}: ${forTerminal(f.message, 400)}${f.fix ? `\n     ${c.dim('fix:')} ${forTerminal(f.fix, 400)}` : ''}`);
  }
  const { runCommand } = await import('./loaders.js');
  const quiet = { write: () => true } as unknown as Ctx['stdout'];
  const fixes: { command: string; exitCode: number; checks: string[] }[] = [];
  for (const [cmd, step] of plan) {
    if (!o.json) print(ctx, `\n${c.bold(`$ sortie ${forTerminal(cmd, 400)}`)}`);
    let code: number;
    try {
      code = await runCommand(step.argv, o.json ? { ...ctx, stdout: quiet, stderr: quiet } : ctx);
    } catch (e) {
      if (!isSortieError(e)) throw e;
      if (!o.json) ctx.stderr.write(`${c.red('sortie:')} ${forTerminal(e.message, 2000)}\n`);
      code = e.exitCode;
    }
    fixes.push({ command: `sortie ${cmd}`, exitCode: code, checks: step.checks });
  }
  const after = await diagnose(ctx);
  if (o.json) {
    printJson(ctx, { ok: problems(after).length === 0, findings: after.map(findingJson), fixes });
    return problems(after).length ? 1 : 0;
  }
  print(ctx, `\n${c.bold('after the fixes')}`);
  return report(after, ctx);
}

async function diagnose(ctx: Ctx): Promise<Finding[]> {
  const out: Finding[] = [];
  const add = (f: Finding) => out.push(f);
  const major = Number(process.versions.node.split('.')[0]);
  add(major >= 20 ? { check: 'node', level: 'ok', message: process.version } : { check: 'node', level: 'error', message: `${process.version} is too old`, fix: 'install Node.js 20 or newer' });
  const gitV = git(['--version'], { cwd: ctx.cwd, env: ctx.env });
  add(gitV.ok && gitV.out ? { check: 'git', level: 'ok', message: gitV.out.replace('git version ', '') } : { check: 'git', level: 'error', message: 'git not found on PATH', fix: 'install git' });
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

  // the agents' hooks, whether they find sortie here, and whether each agent will run them
  out.push(...(await agentFindings(repo.root, ctx)));

  // the database driver: without it no hook can record and the guard cannot check
  try {
    checkDriver();
    add({ check: 'database driver', level: 'ok', message: 'better-sqlite3 loads' });
  } catch (e) {
    add({ check: 'database driver', level: 'error', message: errorMessage(e), fix: nativeBuildFix(detectPackageManager(repo.root, ctx.env)) });
  }

  // git hooks: through husky, or wired into the project's own hook manager
  const managers = detectHookManagers(repo, ctx.env);
  const installDir = projectInstallDir(repo.root, ctx.cwd);
  if (managers.length) {
    for (const m of managers) {
      const live = wiringLive(repo, ctx.env, m);
      const snip = snippetFor(m, installDir);
      if (live.live) add({ check: 'git hooks', level: 'ok', message: `${m.name} runs sortie (${GIT_HOOKS.slice(0, 2).join(', ')})` });
      else if (m.id === 'config-hooks' && !m.installed) add({ check: 'git hooks', level: 'error', message: `${m.name} are configured, but this git (${gitVersion(repo, ctx.env).join('.')}) does not run them: they need git ${CONFIG_HOOKS_SINCE.join('.')}`, fix: 'upgrade git, or use husky or another manager (sortie init)' });
      else if (!m.installed) add({ check: 'git hooks', level: 'error', message: `${m.name} is configured (${m.config}) but not installed on this clone: no hook runs`, fix: snip.then ?? 'install it' });
      else add({ check: 'git hooks', level: 'error', message: `${m.name} does not call sortie for ${live.missing.join(', ')}: commits are not checked`, fix: `sortie init --wire   (or add what \`sortie init\` prints to ${snip.file})${snip.then ? `, then ${snip.then}` : ''}` });
    }
  } else {
    const { hooksPath } = hooksFolder(repo, ctx.env);
    const huskyDir = join(repo.root, '.husky');
    const hookText = (h: string) => (existsSync(join(huskyDir, h)) ? readFileSync(join(huskyDir, h), 'utf8') : '');
    const withBlock = GIT_HOOKS.filter((h) => hookText(h).includes(BLOCK_START));
    const outdated = withBlock.filter((h) => !hookText(h).includes(hookBlock(h, installDir)));
    const envProblem = hooksEnvProblem(repo, config);
    const abs = huskyHooksDir(repo);
    if (withBlock.length < GIT_HOOKS.length) add({ check: 'git hooks', level: 'error', message: `sortie block missing from ${GIT_HOOKS.filter((h) => !withBlock.includes(h)).join(', ')}`, fix: 'sortie init' });
    else if (!hooksPath || !existsSync(join(abs, 'h'))) add({ check: 'git hooks', level: 'error', message: hooksPath ? `core.hooksPath is "${hooksPath}" but husky's folder ${relative(repo.root, abs)} is missing: no hook runs` : 'core.hooksPath is not set: git does not run the hooks in .husky/', fix: "your package manager's install (it runs `sortie prepare`), or: npx sortie prepare" });
    else if (hooksPath !== abs) add({ check: 'git hooks', level: 'warn', message: `core.hooksPath is "${hooksPath}"; hooks will not fire in other worktrees`, fix: `npx sortie prepare   (sets it to ${abs})` });
    else if (envProblem) add({ check: 'git hooks', level: 'error', message: `this machine's hook settings ${relative(repo.root, hookSettingsFile(repo))} are stale: ${envProblem}`, fix: 'npx sortie prepare' });
    else if (outdated.length) add({ check: 'git hooks', level: 'warn', message: `the sortie block in ${outdated.join(', ')} is from an older sortie`, fix: 'sortie init' });
    else if (!existsSync(hookSettingsFile(repo))) add({ check: 'git hooks', level: 'warn', message: `this machine's hook settings ${relative(repo.root, hookSettingsFile(repo))} are missing (slower fallback in use)`, fix: 'npx sortie prepare' });
    else add({ check: 'git hooks', level: 'ok', message: `${GIT_HOOKS.join(', ')} via husky` });
  }

  // the hook's V8 code cache for this Node (see scripts/hook-loader.cjs)
  const cache = join(PACKAGE_ROOT, 'dist', `hook-bundle.${process.arch}-${process.versions.v8}.cache`);
  add(existsSync(cache) ? { check: 'hook code cache', level: 'ok', message: `for Node ${process.version}` } : { check: 'hook code cache', level: 'info', message: `none for Node ${process.version} yet (hooks compile on each start, a few ms slower)`, fix: 'it is written by the next hook run, or by rebuilding sortie (npm rebuild sortie)' });

  // database
  const file = dbPath(repo, ctx.env, ctx.cwd);
  if (!existsSync(file)) {
    add(
      loaded?.file
        ? { check: 'database', level: 'ok', message: `not created yet; the first hook or command that needs it creates it (${relative(repo.root, file)})` }
        : { check: 'database', level: 'warn', message: `not created yet (${file}), and no sortie config: this repository has not opted in`, fix: 'sortie init' },
    );
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
    if (config && v < LATEST_VERSION) {
      // The task index of an older schema is not the shared view this sortie reads: it is checked once migrated.
      add({ check: 'task files', level: 'warn', message: `not checked: the database is at schema ${v}`, fix: 'sortie status   (migrates it), then sortie doctor' });
    } else if (config) {
      // Findings below are about the state after what hooks queued (ends, heartbeats, commits).
      const r = refresh(w, { sync: 'full', catchUp: true }, ctx)!;
      if (r.problems.length) {
        for (const prob of r.problems.slice(0, 20)) add({ check: 'task file', level: 'warn', message: `${relative(repo.root, prob.path)}${prob.line ? `:${prob.line}` : ''}: ${prob.message}`, fix: `edit ${relative(repo.root, prob.path)}` });
      } else add({ check: 'task files', level: 'ok', message: `${r.scanned} task file(s) readable` });
      // A status change a crash left half done was settled by this very sync (tasks/intent.ts).
      for (const x of r.repaired.filter((y) => y.outcome !== 'committed')) add({ check: 'task write', level: 'warn', message: repairText(x, repo.root), fix: x.outcome === 'edited' ? `check ${relative(repo.root, x.path)} and sortie task show ${x.task}` : undefined });
    }

    // claims against the task files: a closed task held is released; the rest is reported
    const fixed = releaseClaimsOnClosed(db, ctx.now());
    for (const d of fixed) add({ check: 'claims', level: 'warn', message: `${d.task} is ${d.status} but was still held by ${d.codename}: its claim is released now` });
    const drift = claimDrift(db);
    for (const d of drift) add({ check: 'claims', level: 'warn', message: `${d.task} is held by ${d.codename} but its task file here says ${d.status} (edited by hand, merged, or claimed on another branch)`, fix: `sortie task release ${d.task} --force   (or set its status back: sortie task claim ${d.task} --force)` });
    if (fixed.length === 0 && drift.length === 0) add({ check: 'claims', level: 'ok', message: 'every live claim is on an UNDERWAY or REVIEW task' });

    // dependencies
    const cycles = dependencyCycles(db);
    for (const cy of cycles) add({ check: 'dependencies', level: 'warn', message: `a dependency cycle: ${cy.join(' -> ')} (none of these can ever be ready)`, fix: `remove one of these from a depends_on: ${cy.slice(0, -1).join(', ')}` });
    if (cycles.length === 0) add({ check: 'dependencies', level: 'ok', message: 'no dependency cycles' });

    if (v === LATEST_VERSION && config) {
      // One id, one task across every worktree and branch: ids made before that was enforced may collide.
      const collisions = findCollisions(db);
      for (const col of collisions.slice(0, 20)) add(collisionFinding(db, col, config, repo.root, w.tasksDir));
      if (collisions.length > 20) add({ check: 'task ids', level: 'error', message: `${collisions.length - 20} more ids name two tasks`, fix: 'sortie doctor --json lists them all' });
      if (collisions.length === 0) {
        const n = db.prepare("SELECT kind, COUNT(*) AS n FROM task_sources WHERE kind != 'base' GROUP BY kind").all() as { kind: string; n: number }[];
        const count = (k: string) => n.find((x) => x.kind === k)?.n ?? 0;
        add({ check: 'task ids', level: 'ok', message: `each id names one task across ${count('worktree')} worktree(s) and ${count('branch')} other branch(es)` });
      }
    }

    // stale missions: what `sortie mission reap` would close
    const stale = deadOrSilent(db, { now: ctx.now(), staleAfter: config?.missions.staleAfter ?? '2h' }).map((d) => d.m);
    const live = countLiveAgentMissions(db);
    add(stale.length ? { check: 'missions', level: 'warn', message: `${stale.length} live mission(s) whose agent is gone or silent: ${stale.map((m) => m.codename).join(', ')}`, fix: 'sortie mission reap' } : { check: 'missions', level: 'ok', message: `${live} live agent mission(s), none stale` });

    if (v === LATEST_VERSION && config) {
      try {
        for (const f of sharedFindings(w, config, ctx)) add(f);
      } catch (e) {
        add({ check: 'shared claims', level: 'warn', message: `not checked: ${errorMessage(e)}`, fix: isSortieError(e) ? e.hint : undefined });
      }
    }

    const orphans = orphanClaims(db);
    add(orphans.length ? { check: 'claims', level: 'error', message: `orphan claims: ${orphans.map((o) => `${o.task_id} (${o.codename}${o.ended_at ? ', mission ended' : ', task file missing'})`).join(', ')}`, fix: orphans.map((o) => `sortie task release ${o.task_id} --force`).join('; ') } : { check: 'claims', level: 'ok', message: 'no orphan claims' });
  } finally {
    w.close();
  }
  return out;
}

/**
 * Claims shared through the git remote (issue 12): the remote accepts sortie's refs (a probe ref
 * created and deleted by CAS, as a claim would), this clone's cache of them is fresh, nothing waits
 * to be published.
 */
function sharedFindings(w: World, config: SortieConfig, ctx: Ctx): Finding[] {
  const check = 'shared claims';
  if (!config.remote.enabled) return [{ check, level: 'info', message: 'off (remote.enabled = false): claims stay in this clone' }];
  const s = sharingOf(w, ctx.env);
  if (!s) return [{ check, level: 'info', message: `no git remote "${config.remote.name}": claims stay in this clone`, fix: `git remote add ${config.remote.name} <url>   (or name another: "remote": { "name": "<remote>" })` }];
  const now = ctx.now();
  const out: Finding[] = [];
  const probe = probeRemote(w, s, now);
  if (probe.ok) out.push({ check, level: 'ok', message: `${s.name} (${s.url}) accepts refs under refs/sortie/` });
  else if (probe.kind === 'unreachable') out.push({ check, level: 'warn', message: `${s.name} (${s.url}) could not be reached: ${probe.detail}; claims are made here and published at the next contact`, fix: `git ls-remote ${s.name}` });
  else out.push({ check, level: 'error', message: `${s.name} (${s.url}) refused to ${probe.step} a ref under refs/sortie/: ${probe.detail}`, fix: fixForRefusal(s.name, probe.detail) });
  const r = probe.ok ? refreshCache(w, s, now) : undefined;
  const fetched = cacheFetchedAt(w.db);
  if (r?.ok) out.push({ check: 'shared claims cache', level: 'ok', message: `fetched just now: ${w.db.prepare("SELECT COUNT(*) FROM remote_claims WHERE state = 'held'").pluck().get() as number} claim(s) held across clones` });
  else if (fetched) out.push({ check: 'shared claims cache', level: 'warn', message: `last fetched ${ago(fetched.at, now)}${r && !r.ok ? ` (now: ${r.detail})` : ''}: the guard may miss claims made since in other clones`, fix: 'sortie status   (refreshes it when the remote answers)' });
  else out.push({ check: 'shared claims cache', level: 'warn', message: 'never fetched: the guard does not know other clones\' claims yet', fix: 'sortie status   (fetches it when the remote answers)' });
  const queued = outboxSize(w.db);
  if (queued) out.push({ check: 'shared claims', level: 'warn', message: `${queued} claim(s) or change(s) made offline wait to be published to ${s.name}`, fix: 'sortie status   (publishes them when the remote answers)' });
  return out;
}

function repairText(x: Settled, root: string): string {
  const where = relative(root, x.path);
  if (x.outcome === 'rolled-back') return `${x.task}: a status change was interrupted before it was recorded; ${where} was put back as it was (the command can be run again)`;
  if (x.outcome === 'edited') return `${x.task}: a status change was interrupted, and ${where} was edited since; it was left as it is`;
  return `${x.task}: a status change was recorded but not cleaned up; nothing to undo`;
}

/** The name doctor gives an agent's checks: `claude hooks`, `codex trust`. */
function short(a: AgentAdapter): string {
  return a.aliases[0] ?? a.name;
}

/**
 * Each agent whose config holds a sortie entry, or that the repository uses: every event wired,
 * its hook line finding sortie on this machine (the project's install, else a global
 * `sortie-hook`: resolveHookCommand, the same answer for every agent), and the agent willing to
 * run them (its trust gate). Configured hooks that cannot find sortie, or that the agent will not
 * run, are errors.
 */
async function agentFindings(root: string, ctx: Ctx): Promise<Finding[]> {
  const out: Finding[] = [];
  let wired = 0;
  for (const agent of AGENT_LIST) {
    const setup = await agent.setup();
    const s = setupContext(root, ctx.env, agent, { from: ctx.cwd });
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
    const resolved = entries.map((e) => ({ event: e.event, to: resolveHookCommand(e.command ?? '', agent.projectVar, root, ctx.env) }));
    const lost = resolved.filter((r) => !r.to).map((r) => r.event);
    const to = resolved[0]?.to;
    if (lost.length || !to) {
      out.push({
        check,
        level: 'error',
        message: `the hook entries${lost.length < entries.length ? ` for ${lost.join(', ')}` : ''} cannot find sortie here: not in the project's node_modules, no sortie-hook on PATH`,
        fix: "install it: your package manager's install (npm ci, pnpm install, ...) where the project depends on sortie, else npm i -g sortie",
      });
      continue;
    }
    out.push({ check, level: 'ok', message: `${entries.length} events wired; they run ${to.via === 'project' ? `the project's install (${relative(root, to.path)})` : `the global sortie-hook (${to.path})`}` });
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

/**
 * An id that names two tasks: both files and their branches, and the fix: renumber one of them
 * where its file is.
 */
function collisionFinding(db: World['db'], col: Collision, config: SortieConfig, root: string, here: string): Finding {
  const dir = config.tasks.dir.replace(/^\.\//, '').replace(/\/+$/, '');
  const rootOf = db.prepare("SELECT root FROM task_sources WHERE source = ? AND kind = 'worktree'").pluck();
  const places = (v: Collision['variants'][number]) =>
    v.places.map((p) => `${dir}/${p.file} on ${p.label ?? 'a detached checkout'}${p.kind === 'remote' ? ' (remote-tracking)' : ''}`).join(', ');
  const message = `${col.id} names ${col.variants.length} different tasks: ${col.variants.map((v) => `"${v.title.replace(/\s+/g, ' ').slice(0, 60)}" (${places(v)})`).join(' and ')}`;
  // The one to renumber: not this checkout's, in the fewest places (an unmerged branch), made last.
  const rank = (v: Collision['variants'][number]) => [v.places.some((p) => p.source === here) ? 1 : 0, v.places.length] as const;
  const last = [...col.variants].reverse().reduce((best, v) => {
    const [a, b] = rank(v);
    const [x, y] = rank(best);
    return a < x || (a === x && b < y) ? v : best;
  });
  const wt = last.places.find((p) => p.kind === 'worktree');
  const wtRoot = wt?.source ? (rootOf.get(wt.source) as string | null | undefined) : undefined;
  const branch = last.places.find((p) => p.kind === 'branch') ?? last.places[0];
  const where = wtRoot ? (wtRoot === root ? 'here' : `in ${wtRoot}`) : branch?.kind === 'remote' ? `on a local branch of ${branch.label}` : `after \`git switch ${branch?.label ?? '<branch>'}\``;
  return {
    check: 'task ids',
    level: 'error',
    message,
    fix: `${where}: sortie task renumber ${col.id}   (renumbers "${last.title.replace(/\s+/g, ' ').slice(0, 40)}" and the depends_on naming it there; then commit)`,
  };
}
