import { createHash } from 'node:crypto';
import { forScriptJson } from '../text.js';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The page is three plain files (assets/index.html, app.css, app.js) copied next to this module by
 * the build. The server links them; a report inlines them with its data, so one file opens from
 * file:// with no network.
 */
export interface PageAssets {
  html: string;
  css: string;
  js: string;
}

export function assetsDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), 'assets');
}

export function loadAssets(dir = assetsDir()): PageAssets {
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  return { html: read('index.html'), css: read('app.css'), js: read('app.js') };
}

const HEAD = '<!--sortie:head-->';
const BODY = '<!--sortie:body-->';

export function serverPage(a: PageAssets): string {
  return a.html.replace(HEAD, '<link rel="stylesheet" href="app.css">').replace(BODY, '<script src="app.js"></script>');
}

/** JSON that can sit inside a <script> element: the text sink of text.ts. */
export const scriptJson = forScriptJson;

const sha256 = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;

/** One self-contained file: the data as inert JSON, the script and style inline and pinned by hash. */
export function reportPage(a: PageAssets, data: unknown): string {
  const csp = `default-src 'none'; script-src ${sha256(a.js)}; style-src ${sha256(a.css)}; img-src data:; base-uri 'none'; form-action 'none'`;
  const head = `<meta http-equiv="Content-Security-Policy" content="${csp}">\n<style>${a.css}</style>`;
  const body = `<script type="application/json" id="sortie-data">${scriptJson(data)}</script>\n<script>${a.js}</script>`;
  // Function replacers: the inlined text may contain `$&`-like sequences.
  return a.html.replace(HEAD, () => head).replace(BODY, () => body);
}
