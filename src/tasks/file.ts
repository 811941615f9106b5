import { forYaml } from '../text.js';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Sets one front matter key in place, keeping the rest of the file byte for byte (small diffs). */
export function setFrontMatterKey(text: string, key: string, value: string): string {
  const end = text.indexOf('\n---', 3);
  if (!text.startsWith('---') || end < 0) return text;
  const head = text.slice(0, end);
  const rest = text.slice(end);
  const re = new RegExp(`^${key}:.*$`, 'm');
  const line = `${key}: ${value}`;
  if (re.test(head)) return head.replace(re, line) + rest;
  return `${head}\n${line}${rest}`;
}

/** Finds the file of a task by its id when the index does not know it (e.g. another worktree). */
export function findTaskFile(dir: string, id: string): string | undefined {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  const hit = names.find((n) => n === `${id}.md`) ?? names.find((n) => n.endsWith('.md') && (n.startsWith(`${id}-`) || n.startsWith(`${id}_`)));
  return hit ? join(dir, hit) : undefined;
}

export function slug(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/, '');
}

/** YAML scalar for a user-provided string in a task file: the one YAML sink. */
export function yamlString(s: string): string {
  return forYaml(s);
}
