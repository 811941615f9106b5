import type { Reaped } from '../missions/missions.js';
import type { Colors } from '../ui.js';

/**
 * What the commands say in sentences: errors with their fix, confirmations, next steps. Each names
 * the values at fault and the command to run. The display of records (tables, `show`, doctor's
 * findings, log rows) stays with the command that reads them.
 */
export const commandMessages = {
  // init / uninstall
  unknownPreset: (preset: string, names: string[]) => ({ message: `unknown preset "${preset}"`, hint: `use one of: ${names.join(', ')}` }),
  notJson: (file: string, error: string) => `${file} is not valid JSON (${error}); left as it is`,
  alreadySetUp: (root: string) => `sortie is already set up in ${root}: nothing to change`,
  setUp: (root: string, dryRun: boolean) => `${dryRun ? 'would change' : 'sortie set up'} in ${root}:`,
  nextSteps: () => `\nnext: sortie task new "<title>", then start your agent. Check the install any time with: sortie doctor`,
  thenRun: (command: string) => `then run: ${command}   (your hook manager's own install; teammates run it as they already do)`,
  prepareNative: (message: string, fix: string) => `sortie: ${message}: agent hooks and the commit guard cannot work until it is built:\n  ${fix.split('\n').join('\n  ')}\n`,
  prepared: (n: number) => `sortie: git hooks wired on this clone (${n} change${n === 1 ? '' : 's'})`,
  prepareFailed: (error: string) => `sortie: could not wire the git hooks on this clone (${error}); run: npx sortie doctor\n`,
  nothingInstalled: () => 'nothing of sortie is installed here',
  removed: (root: string, dryRun: boolean) => `${dryRun ? 'would remove' : 'removed'} from ${root}:`,
  keptData: (db: string) => `the database and task files were kept (${db}, tasks folder)`,

  // any reading command: the world could not be brought up to date (world/messages.ts says why)
  stale: (c: Colors, why: string) => `${c.yellow('sortie: note:')} ${why}\n`,

  // init: which remote claims are shared through
  sharingThrough: (remote: string, url: string) =>
    `claims are shared with every clone through the git remote "${remote}" (${url}), as refs under refs/sortie/; another remote: "remote": { "name": "<remote>" }, none: "remote": { "enabled": false } in .sortierc.json`,
  sharingNoRemote: (remote: string) => `claims stay in this clone until it has a git remote "${remote}" (git remote add ${remote} <url>); then they are shared through it`,
  sharingOff: () => 'claims stay in this clone: sharing through the git remote is off (remote.enabled = false)',

  remoteClaimsRemoved: (r: { remote: string; removed: string[]; failed: { task: string; detail: string }[]; error: string | null }, dry: boolean) =>
    r.error
      ? `sortie: this clone's claims were not removed from "${r.remote}": ${r.error}\n`
      : `sortie: ${dry ? 'would remove' : 'removed'} ${r.removed.length} claim(s) of this clone from "${r.remote}"${r.removed.length ? ` (${r.removed.join(', ')})` : ''}${r.failed.length ? `; not removed: ${r.failed.map((f) => `${f.task} (${f.detail})`).join(', ')}` : ''}\n`,

  tookOver: (id: string, t: { codename: string | null; host: string | null; expires: string | null }) =>
    `  ${id} was held by ${t.codename ?? 'another mission'} on ${t.host ?? 'another machine'}, whose lease lapsed at ${t.expires ?? '?'}: taken over, and recorded`,

  // status: how fresh this clone's cache of the remote's claims is
  sharedFreshness: (remote: string, ago: string | undefined, error: string | undefined) =>
    `claims shared through ${remote}: ${ago ? `fetched ${ago}` : 'not fetched yet'}${error ? ` (the last refresh failed: ${error}; other clones' claims may be missing here)` : ''}`,

  // task
  skipped: (c: Colors, where: string, message: string) => `${c.yellow('sortie: skipped')} ${where}: ${message}\n`,
  moreSkipped: (n: number) => `sortie: ${n} more task files skipped (sortie doctor lists them)\n`,
  created: (c: Colors, id: string, title: string, path: string) => `${c.green('created')} ${id}  ${title}\n  ${path}\n  next: sortie task claim ${id}`,
  unknownStatus: (status: string, statuses: readonly string[]) => ({ message: `unknown status "${status}"`, hint: `use one of ${statuses.join(', ')}` }),
  noTasks: () => 'no tasks. Create one: sortie task new "<title>"',
  alreadyYours: (id: string, codename: string) => `${id} is already yours (${codename})`,
  claimed: (c: Colors, id: string, m: { id: number; codename: string; agent: string }) =>
    `${c.green('claimed')} ${id} for ${m.codename} (${m.agent}, mission #${m.id})\n  when finished: sortie task done ${id}   to give it back: sortie task handoff ${id} --note "..."`,
  alreadyStatus: (id: string, status: string) => `${id} is already ${status}; nothing changed`,
  claimedElsewhere: (id: string, on: string | undefined) =>
    `  ${id} is not in this checkout${on ? ` (its file is on ${on})` : ''}: the claim is recorded for every checkout; no file was changed here`,
  reopened: (id: string, to: string, from?: string, on?: string) => `${id} reopened: ${to}${from ? ` (was ${from}${on ? ` on ${on}` : ''})` : ''}; the reopen is recorded`,
  renumbered: (c: Colors, from: string, to: string, path: string, rewritten: string[], others: string[], dir: string) =>
    [
      `${c.green('renumbered')} ${from} -> ${to}${others.length ? ` (${from} stays the task on ${others.join(', ')})` : ''}`,
      `  ${path}`,
      ...rewritten.map((p) => `  depends_on updated: ${p}`),
      `  commit it: git add -A ${dir} && git commit -m "Renumber a task whose id was taken on another branch"`,
    ].join('\n'),
  handoffNeedsNotes: (id: string) => ({ message: 'a handoff needs notes for whoever picks the task up', hint: `sortie task handoff ${id} --note "what is done, what is left"` }),
  changed: (id: string, what: string, claimEnded: boolean, forcedFrom: string | undefined) =>
    `${id} ${what}${claimEnded ? ', claim ended' : ''}${forcedFrom !== undefined ? ` (forced, was held by ${forcedFrom})` : ''}`,

  // task edit
  nothingToEdit: (id: string) => ({
    message: 'nothing to edit',
    hint: `sortie task edit ${id} --title "..." | --priority high | --label L | --depends-on ID   (sortie task edit --help)`,
  }),
  unchanged: (id: string) => `${id}: nothing changed (it already says that)`,
  edited: (c: Colors, id: string, fields: string[], path: string) => `${c.green('edited')} ${id}: ${fields.join(', ')}\n  ${path}`,

  // ready, next
  nothingReady: () => ({
    message: 'nothing ready: no TODO task has its dependencies done, and none is waiting for pickup',
    hint: 'sortie task list   (or create one: sortie task new "<title>")',
  }),
  startOne: () => 'start one: sortie next --claim   (or sortie task claim <ID>)',
  claimNextOne: (id: string) => `  claim it: sortie task claim ${id}   (or: sortie next --claim)`,
  claimedFor: (m: { id: number; codename: string; agent: string }) => `  for ${m.codename} (${m.agent}, mission #${m.id})`,
  whenFinished: (id: string) => `  when finished: sortie task done ${id}   to give it back: sortie task handoff ${id} --note "..."`,

  // ui, report, completion
  badPort: (port: string) => ({ message: `--port must be a port number (1-65535), got "${port}"`, hint: 'sortie ui   (a free port is picked without --port)' }),
  uiListening: (c: Colors, url: string) => `sortie ui: ${c.bold(url)}\n${c.dim('  read-only; only this URL (with its token) is served; Ctrl-C stops it')}`,
  noBrowser: () => '  could not start a browser: open the URL above yourself',
  uiStopped: () => 'sortie ui: stopped',
  reportNeedsFile: () => ({ message: 'name the file to write', hint: 'sortie report --html sortie-report.html' }),
  cannotWrite: (file: string, error: string) => `cannot write ${file}: ${error}`,
  wrote: (c: Colors, file: string, kb: number) => `${c.green('wrote')} ${file} (${kb} KB)`,
  noCompletion: (shell: string, shells: readonly string[]) => ({ message: `no completion for "${shell}"`, hint: `sortie completion ${shells.join('|')}` }),

  // mission
  noMissionYet: () => ({ message: 'you have no mission here yet', hint: 'name one: sortie mission show <id|codename>  (sortie mission list)' }),
  noMissions: (all: boolean) => (all ? 'no missions recorded yet' : 'no live missions (sortie mission list --all shows ended ones)'),
  alreadyEnded: (m: { codename: string; ended_at: string | null; end_reason: string | null }) => `${m.codename} already ended ${m.ended_at} (${m.end_reason})`,
  ended: (who: string, released: string[]) => `ended ${who}${released.length ? `; released ${released.join(', ')} (waiting for pickup)` : ''}`,
  emptyNote: () => ({ message: 'empty note', hint: 'sortie mission note "what is done, what is next"' }),
  notesSaved: (codename: string) => `handoff notes saved on ${codename}; they are shown to whoever continues this work`,
  noneToReap: () => 'no dead or silent missions',
  reaped: (r: Reaped) =>
    `reaped ${r.codename} (${r.agent}): ${r.reason === 'process-gone' ? 'agent process gone' : 'no sign of life'}, ended at ${r.endedAt}${r.released.length ? `; released ${r.released.join(', ')}` : ''}`,

  // log, status
  badSince: (since: string, example = 'sortie log --since 2h') => ({ message: `--since "${since}" is neither a duration (2h, 3d) nor a date`, hint: example }),
  badLimit: (limit: string) => `--limit must be a positive number, got "${limit}"`,
  noActivity: (since: string | undefined) => (since ? `nothing since ${since}` : 'no activity recorded yet'),
  noTasksYet: () => 'no tasks yet: sortie task new "<title>"',

  // import
  unknownSource: (name: string, near: string | undefined, sources: readonly string[]) => ({
    message: `unknown source "${name}"${near ? ` (did you mean "${near}"?)` : ''}`,
    hint: `sortie import <${sources.join('|')}> [path]`,
  }),
  noSuchSourcePath: (source: string, path: string) => ({ message: `${path}: no such file or folder`, hint: `sortie import ${source} <path to its data>` }),
  noSourceFound: (source: string, looked: string[]) => ({
    message: `found no ${source} data in this repository (looked for ${looked.join(', ')})`,
    hint: `give its location: sortie import ${source} <path>`,
  }),
  importHeader: (c: Colors, source: string, applied: boolean) =>
    applied ? c.bold(`sortie import ${source}: applied`) : `${c.bold(`sortie import ${source}: dry run`)}, nothing written ${c.dim('(add --apply to import)')}`,
  idsMisfit: (c: Colors, pattern: string, ids: string[]) =>
    `${c.yellow(`ids: ${ids.length} task id${ids.length === 1 ? '' : 's'} do not match tasks.idPattern ${pattern}`)} (${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', ...' : ''})`,
  idsFitPreset: (preset: { name: string; how: string }) => `they fit the ${preset.name} preset: ${preset.how}`,
  idsMapHint: (again: string) => `or give them new ids: ${again} --map-ids`,
  applyWillRefuse: (c: Colors) => c.yellow('--apply will refuse until the ids fit (see "ids" above)'),
  imported: (c: Colors, n: { tasks: number; missions: number; events: number; labels: number; claims: number }) =>
    c.green(`imported: ${n.tasks} tasks, ${n.missions} missions, ${n.events} history events${n.labels ? `, labels on ${n.labels} tasks` : ''}${n.claims ? `, ${n.claims} live claims` : ''}`),
  notClaimed: (c: Colors, u: { task: string; mission: number; why: string }) => c.yellow(`not claimed: ${u.task} for mission #${u.mission}: ${u.why}`),
  afterImport: () => 'next: sortie status   (and sortie mission list --all, sortie log)',
  idsAllFit: (source: string, pattern: string) => `every task id from ${source} fits tasks.idPattern ${pattern}`,
  idsDoNotFit: (source: string, pattern: string, ids: string[]) => `${ids.length} task ids from ${source} do not fit tasks.idPattern ${pattern}: ${ids.slice(0, 5).join(', ')}`,
  noPresetFits: (again: string) => `no preset fits them: ${again} --map-ids`,
};
