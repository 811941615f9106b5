// Writes src/version.ts from package.json, so the version has one source. Run before tsc by
// `npm run build` and `npm run typecheck` (the file is generated, not committed); esbuild bundles
// it into the hook entry like any module.
import { readFileSync, writeFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const file = new URL('../src/version.ts', import.meta.url);
const text = `// Generated from package.json by scripts/write-version.js; not committed.\nexport const VERSION = ${JSON.stringify(version)};\n`;
let old;
try {
  old = readFileSync(file, 'utf8');
} catch {
  old = undefined;
}
if (old !== text) writeFileSync(file, text);
