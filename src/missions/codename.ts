// Two lists of prime lengths (53 and 59): an index i in 0..3126 names the pair
// (ADJECTIVES[i mod 53], NOUNS[i mod 59]), and by the Chinese remainder theorem every index names a
// different pair: 53 × 59 = 3,127 pairs.
export const ADJECTIVES = [
  'amber', 'ashen', 'bold', 'brisk', 'calm', 'cobalt', 'copper', 'crimson', 'dapper', 'deft',
  'dusky', 'eager', 'ember', 'fabled', 'fleet', 'frosty', 'gilded', 'gentle', 'hardy', 'hazel',
  'idle', 'ivory', 'jade', 'jolly', 'keen', 'lunar', 'lucid', 'mellow', 'misty', 'nimble',
  'noble', 'ochre', 'opal', 'patient', 'placid', 'quiet', 'rapid', 'russet', 'sable', 'silent',
  'silver', 'sly', 'solar', 'steady', 'tawny', 'tidal', 'umber', 'vivid', 'wary', 'windy',
  'witty', 'young', 'zesty',
] as const;

export const NOUNS = [
  'albatross', 'badger', 'beacon', 'bison', 'cedar', 'comet', 'condor', 'coyote', 'cypress', 'delta',
  'dune', 'eagle', 'falcon', 'fjord', 'gannet', 'geyser', 'glacier', 'harbor', 'heron', 'ibis',
  'jackal', 'juniper', 'kestrel', 'lagoon', 'lantern', 'lynx', 'magpie', 'maple', 'marlin', 'meadow',
  'mesa', 'narwhal', 'nebula', 'ocelot', 'orca', 'osprey', 'otter', 'panther', 'pelican', 'phoenix',
  'pine', 'quail', 'quasar', 'raven', 'reef', 'sparrow', 'spruce', 'stork', 'summit', 'tundra',
  'thistle', 'tern', 'valley', 'viper', 'walrus', 'willow', 'wren', 'yak', 'zephyr',
] as const;

const PAIRS = ADJECTIVES.length * NOUNS.length;

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** The walk of one clone through the pairs: i -> (a·i + b) mod 3127, a permutation (a is prime to 3127). */
export interface CodenameSeed {
  a: number;
  b: number;
}

/** The identity walk: mission 1 is amber-albatross, 2 ashen-badger... (the order before clones had seeds). */
export const PLAIN_SEED: CodenameSeed = { a: 1, b: 0 };

/** A clone's walk, from its random id (hex, stored in the database's meta at its first mission). */
export function seedOf(cloneId: string): CodenameSeed {
  const b = parseInt(cloneId.slice(0, 8), 16) % PAIRS;
  let a = (parseInt(cloneId.slice(8, 16), 16) % (PAIRS - 1)) + 1;
  while (gcd(a, PAIRS) !== 1) a = (a % (PAIRS - 1)) + 1;
  return { a, b };
}

/**
 * The codename of a clone's n-th mission. Within a clone the walk is a permutation, so the first
 * 3,127 missions have different names, then a round suffix follows (`-2`, `-3`): unique with no
 * lookup, deterministic for a mission. Clones walk from different random starts in different
 * steps, so two clones' first missions are not both amber-albatross. Two clones' names can still
 * meet: for m and n missions the chance that some name is shared is about 1 − e^(−m·n/3127)
 * (10 and 10: 3 %; 30 and 30: 25 %), hence pickCodename's check against the names known.
 */
export function codename(missionId: number, seed: CodenameSeed = PLAIN_SEED): string {
  const n = Math.max(0, Math.floor(missionId) - 1);
  const i = (seed.a * (n % PAIRS) + seed.b) % PAIRS;
  const base = `${ADJECTIVES[i % ADJECTIVES.length]}-${NOUNS[i % NOUNS.length]}`;
  const round = Math.floor(n / PAIRS);
  return round === 0 ? base : `${base}-${round + 1}`;
}

/** Whether a codename is already used by a mission sortie knows of from elsewhere (another clone). */
export type CodenameTaken = (name: string) => boolean;

/**
 * The codename for a new mission: codename(id, seed), unless another clone's mission already
 * bears it (`taken`: the names in the cache of claims shared through the remote, once there is
 * one; by default none), then suffixed with this clone's short tag, then a counter.
 */
export function pickCodename(missionId: number, cloneId: string, taken: CodenameTaken = () => false): string {
  const name = codename(missionId, seedOf(cloneId));
  if (!taken(name)) return name;
  const tagged = `${name}-${cloneId.slice(0, 4)}`;
  for (let k = 1; ; k++) {
    const candidate = k === 1 ? tagged : `${tagged}-${k}`;
    if (!taken(candidate)) return candidate;
  }
}
