import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CLAUDE_EVENTS } from '../agents/claude-code.js';
import { SortieError } from '../errors.js';
import { writeFileAtomic } from '../files.js';
import { installMessages } from './messages.js';
import { hookCommand, isSortieCommand } from './command.js';

export interface ClaudeHookEntry {
  type: string;
  command: string;
  timeout?: number;
  [k: string]: unknown;
}
interface Group {
  matcher?: string;
  hooks: ClaudeHookEntry[];
  [k: string]: unknown;
}
type Settings = { hooks?: Record<string, Group[]>; [k: string]: unknown };

export function settingsPath(root: string): string {
  return join(root, '.claude', 'settings.json');
}

function claudeCommand(root: string, event: string): string {
  return hookCommand(root, 'claude-code', event, '$CLAUDE_PROJECT_DIR');
}

function isSortieEntry(h: { command?: unknown }): boolean {
  return isSortieCommand(h.command);
}

function readSettings(file: string): Settings {
  if (!existsSync(file)) return {};
  const text = readFileSync(file, 'utf8');
  if (!text.trim()) return {};
  try {
    const v = JSON.parse(text) as unknown;
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    return v as Settings;
  } catch (e) {
    const m = installMessages.notJson(file, (e as Error).message);
    throw new SortieError('INSTALL', m.message, { hint: m.hint });
  }
}

export interface FileChange {
  file: string;
  action: 'create' | 'update' | 'unchanged' | 'remove';
  detail: string;
}

/** Adds or refreshes sortie's entries; every other key and hook is kept as it was. */
export function installClaude(root: string, dryRun = false): FileChange {
  const file = settingsPath(root);
  const before = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  const settings = readSettings(file);
  const hooks: Record<string, Group[]> = { ...(settings.hooks ?? {}) };
  for (const { event, timeout } of CLAUDE_EVENTS) {
    // Drop only the groups that held nothing but sortie's entries; a user's empty group stays.
    const groups = (hooks[event] ?? []).flatMap((g) => {
      const left = (g.hooks ?? []).filter((h) => !isSortieEntry(h));
      return left.length > 0 || (g.hooks ?? []).length === 0 ? [{ ...g, hooks: left }] : [];
    });
    groups.push({ hooks: [{ type: 'command', command: claudeCommand(root, event), timeout }] });
    hooks[event] = groups;
  }
  // Keep the original placement: existing events in their order, ours appended.
  const next = `${JSON.stringify({ ...settings, hooks }, null, 2)}\n`;
  if (before !== undefined && normalize(before) === normalize(next)) return { file, action: 'unchanged', detail: 'Claude Code hooks already installed' };
  if (!dryRun) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileAtomic(file, next);
  }
  return { file, action: before === undefined ? 'create' : 'update', detail: `Claude Code hooks: ${CLAUDE_EVENTS.map((e) => e.event).join(', ')}` };
}

/** Removes exactly sortie's entries (and groups or event keys left empty by that). */
export function uninstallClaude(root: string, dryRun = false): FileChange {
  const file = settingsPath(root);
  if (!existsSync(file)) return { file, action: 'unchanged', detail: 'no Claude Code settings' };
  const settings = readSettings(file);
  if (!settings.hooks) return { file, action: 'unchanged', detail: 'no sortie hooks in Claude Code settings' };
  const hooks: Record<string, Group[]> = {};
  let removed = 0;
  for (const [event, groups] of Object.entries(settings.hooks)) {
    const kept: Group[] = [];
    for (const g of groups) {
      const left = (g.hooks ?? []).filter((h) => !isSortieEntry(h));
      removed += (g.hooks ?? []).length - left.length;
      if (left.length) kept.push({ ...g, hooks: left });
      else if ((g.hooks ?? []).length === 0) kept.push(g);
    }
    if (kept.length) hooks[event] = kept;
  }
  if (removed === 0) return { file, action: 'unchanged', detail: 'no sortie hooks in Claude Code settings' };
  // Rebuilt key by key so `hooks` keeps its place and the file reads back as it was before init.
  const out: Settings = {};
  for (const [k, v] of Object.entries(settings)) {
    if (k !== 'hooks') out[k] = v;
    else if (Object.keys(hooks).length) out.hooks = hooks;
  }
  // When nothing else is left, `{}` is written; uninstall deletes the file if init created it.
  if (!dryRun) writeFileAtomic(file, `${JSON.stringify(out, null, 2)}\n`);
  return { file, action: 'update', detail: `removed ${removed} sortie hook entr${removed === 1 ? 'y' : 'ies'}` };
}

/** Which events have a sortie entry, and whether that entry's hook file exists. */
export function inspectClaude(root: string): { event: string; installed: boolean; command: string | undefined }[] {
  let settings: Settings = {};
  try {
    settings = readSettings(settingsPath(root));
  } catch {
    settings = {};
  }
  return CLAUDE_EVENTS.map(({ event }) => {
    const entry = (settings.hooks?.[event] ?? []).flatMap((g) => g.hooks ?? []).find(isSortieEntry);
    return { event, installed: Boolean(entry), command: entry?.command };
  });
}

function normalize(s: string): string {
  try {
    return JSON.stringify(JSON.parse(s));
  } catch {
    return s;
  }
}

/**
 * The Claude Code plugin's hooks/hooks.json (the package root is a plugin): the same events and
 * timeouts as the entries init writes, calling the plugin's own hook entry. The build writes it
 * (scripts/plugin-files.js); a test checks the committed file is what this makes.
 */
export function pluginHooksJson(): string {
  const hooks = Object.fromEntries(
    CLAUDE_EVENTS.map(({ event, timeout }) => [event, [{ hooks: [{ type: 'command', command: `node "\${CLAUDE_PLUGIN_ROOT}/dist/hook.cjs" claude-code ${event}`, timeout }] }]]),
  );
  const description = 'sortie: missions, context and reaping for Claude Code (the same entry `sortie init` wires into .claude/settings.json)';
  return `${JSON.stringify({ description, hooks }, null, 2)}\n`;
}
