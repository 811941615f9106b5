import { forTerminal as term } from '../text.js';
import type { CacheRow } from './cache.js';

const who = (r: Pick<CacheRow, 'codename' | 'agent' | 'mission'>) => `${term(r.codename ?? 'another mission', 60)} (${term(r.agent ?? 'unknown agent', 40)}, mission #${r.mission ?? '?'})`;
const where = (r: Pick<CacheRow, 'person' | 'host'>) => `${r.person ? `${term(r.person, 80)} on ` : ''}${term(r.host ?? 'another machine', 80)}`;

/** What sortie says about claims shared through the git remote: the fact, the cause, the command. */
export const remoteMessages = {
  /** The same sentence as a claim held in this clone, plus where: the loser learns who and what to do. */
  heldElsewhere: (id: string, r: CacheRow, force: boolean) => ({
    message: `${id} is held by ${who(r)} since ${r.since ?? r.changed_at}, in another clone (${where(r)}, through ${r.remote})`,
    hint: force
      ? `a forced claim takes over another clone's claim only once its lease has lapsed (at ${r.expires ?? 'never'}); ask ${r.person ?? 'its holder'} to run \`sortie task release ${id}\` there`
      : `pick another task (sortie status), or ask ${r.person ?? 'its holder'} to hand it off (\`sortie task handoff ${id} --note "..."\` in their clone); once its lease lapses (${r.expires ?? 'never'}) \`sortie task claim ${id}\` takes it over`,
  }),
  /** Held by another mission of this clone, published on the remote a moment before its claim is recorded here. */
  heldHere: (id: string, r: CacheRow) => ({
    message: `${id} is held by ${who(r)} since ${r.since ?? r.changed_at}`,
    hint: `pick another task (sortie status), or wait for ${r.codename ?? 'its holder'} to hand it off; a person can force it: sortie task release ${id} --force`,
  }),
  unreachable: (remote: string, detail: string) => ({
    message: `the git remote "${remote}" could not be reached: ${term(detail, 300)}`,
    hint: `check the network and \`git ls-remote ${remote}\`; this repository's config sets remote.offline = "refuse", so nothing is claimed until it answers (or turn sharing off: "remote": { "enabled": false } in .sortierc.json)`,
  }),
  refused: (remote: string, ref: string, detail: string) => ({
    message: `the git remote "${remote}" refused to update ${ref}: ${term(detail, 300)}`,
    hint: fixForRefusal(remote, detail),
  }),
  claimedOffline: (id: string, remote: string, detail: string) =>
    `sortie: warning: the git remote "${remote}" could not be reached (${term(detail, 200)}): ${id} is claimed in this clone only. It is published at the next contact; if another clone claimed it meanwhile, this claim is revoked then.\n`,
  queued: (id: string, remote: string, detail: string) =>
    `sortie: warning: the git remote "${remote}" could not be reached (${term(detail, 200)}): the change to ${id} is published at the next contact\n`,
  notPublished: (id: string, remote: string, detail: string) => `sortie: warning: the change to ${id} was not published to "${remote}": ${term(detail, 300)}\n`,
  conflict: (id: string, r: CacheRow) =>
    `sortie: warning: ${id} is held by ${who(r)} in another clone (${where(r)}) according to ${r.remote}; the change made here was not published over their claim\n`,
  idsOffline: (remote: string, detail: string) =>
    `sortie: warning: the git remote "${remote}" could not be reached (${term(detail, 200)}): the new id is reserved in this clone only, so another clone may mint it too\n`,
  undoFailed: (id: string, remote: string, detail: string) => `sortie: warning: the claim on ${id} published to "${remote}" could not be taken back: ${term(detail, 300)}; release it: sortie task release ${id}\n`,
  revoked: (id: string, r: CacheRow) =>
    `sortie: ${id} was claimed here while the remote was unreachable, but ${who(r)} in another clone (${where(r)}) claimed it first: the claim here is revoked. Stop work on ${id}; pick another task (sortie status).\n`,
};

/** What a person does about a push the server refused, by what the server said. */
export function fixForRefusal(remote: string, detail: string): string {
  if (/hook|pre-receive|update hook|declined/i.test(detail)) {
    return `a server-side hook refused refs under refs/sortie/: ask the repository's admin to let "refs/sortie/*" through that hook, or turn sharing off: "remote": { "enabled": false } in .sortierc.json`;
  }
  if (/protected|not allowed|namespace|funny refname|refusing/i.test(detail)) {
    return `the host refuses refs outside branches and tags here: allow "refs/sortie/*" in its ref rules (see the README, "Teams and several machines"), use another remote ("remote": { "name": "<remote>" }), or turn sharing off ("remote": { "enabled": false })`;
  }
  if (/denied|40[13]|authentication|not authorized|forbidden|Username|prompts disabled|publickey/i.test(detail)) {
    return `your git credentials cannot push to "${remote}": check \`git push ${remote}\` works from this clone (sortie uses the same credentials), or turn sharing off: "remote": { "enabled": false } in .sortierc.json`;
  }
  return `check \`git push ${remote}\` from this clone, and \`sortie doctor\``;
}
