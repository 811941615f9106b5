// Copies the page of `sortie ui` (plain HTML, CSS and JavaScript, no build of their own) next to
// the compiled server, dist/ui/assets/. `sortie report` inlines the same files into one HTML file,
// so they must not contain the text that would end their <script> or <style> element early.
import { cpSync, readFileSync } from 'node:fs';

const from = new URL('../src/ui/assets/', import.meta.url);
const to = new URL('../dist/ui/assets/', import.meta.url);
for (const [file, closer] of [['app.js', '</script'], ['app.css', '</style']]) {
  if (readFileSync(new URL(file, from), 'utf8').toLowerCase().includes(closer)) {
    console.error(`sortie build: src/ui/assets/${file} contains "${closer}", which would break the inlined report`);
    process.exit(1);
  }
}
cpSync(from, to, { recursive: true });
