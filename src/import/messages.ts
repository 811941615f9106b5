/**
 * What `sortie import` says in sentences while it resolves and writes a plan: its refusals with
 * their fix, and the reasons it gives in the plan for what it skips or drops. What each source's
 * reader finds in that source (its defects, its unreadable records) is reported by the reader.
 * The command's own sentences are in commands/messages.ts.
 */
export const importMessages = {
  idsBlockApply: (source: string, pattern: string, ids: string[], preset: { name: string; how: string } | undefined) => ({
    message: `${ids.length} task id${ids.length === 1 ? '' : 's'} from ${source} (${ids.slice(0, 3).join(', ')}${ids.length > 3 ? ', ...' : ''}) do not match tasks.idPattern ${pattern}; nothing was imported`,
    hint: preset ? `${preset.how}; or keep your ids and add --map-ids` : 'add --map-ids to give them new ids (the plan prints old -> new)',
  }),
  switchPreset: (name: string, configFile: string | undefined) =>
    configFile ? `set "extends": "${name}" in ${configFile}, run \`sortie init\`, then import again` : `sortie init --preset ${name}, then import again`,
  mappedIdMisfit: (id: string, pattern: string) => ({
    message: `--map-ids made "${id}", which does not match tasks.idPattern ${pattern}`,
    hint: 'make tasks.idTemplate and tasks.prefix produce ids that match tasks.idPattern',
  }),
  taskFileAppeared: (id: string, source: string) => ({
    message: `a file for task ${id} appeared while importing (another process created it); nothing was imported`,
    hint: `run the same sortie import ${source} again: its plan will account for that file`,
  }),
  idTwiceInSource: (id: string) => `another record of this import already has the id ${id} (--map-ids gives it a new id)`,
  idTakenHere: (id: string, source: string) => `sortie already has a task ${id} that was not imported from ${source}; it is left as it is (--map-ids gives the imported one a new id)`,
  lostDependency: (id: string, dep: string) => ({ defect: `${id} depends on ${dep}, which is neither imported nor a sortie task`, handled: 'that dependency is dropped' }),
};
