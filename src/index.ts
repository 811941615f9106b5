// Public API: re-exports only.
export { main } from './cli.js';
export { defineConfig } from './config/types.js';
export type { SortieConfig, SortieConfigInput } from './config/types.js';
export { loadConfig, resolveConfig } from './config/load.js';
export { openDb, migrate, dbPath } from './store/open.js';
export { openWorld, withWorld, type World, type OpenOptions } from './world/open.js';
export type { Ctx } from './ctx.js';
export { SortieError, EXIT } from './errors.js';
export { codename } from './missions/codename.js';
export { STATUSES, canTransition } from './tasks/status.js';
