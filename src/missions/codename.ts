// Two lists of prime lengths (53 and 59): walking both with the same counter gives 53 × 59 = 3,127
// distinct pairs before any pair repeats. After that a numeric suffix keeps codenames unique.
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

export function codename(missionId: number): string {
  const n = Math.max(0, Math.floor(missionId) - 1);
  const base = `${ADJECTIVES[n % ADJECTIVES.length]}-${NOUNS[n % NOUNS.length]}`;
  const round = Math.floor(n / (ADJECTIVES.length * NOUNS.length));
  return round === 0 ? base : `${base}-${round + 1}`;
}
