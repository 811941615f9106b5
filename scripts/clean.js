// Empties dist/ before a build, so no module of a deleted source lingers there to be imported.
import { rmSync } from 'node:fs';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
