// The sinks of src/text.ts, one hostile string through each (the end-to-end paths are in
// test/integration/hostile-text.test.ts).
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { forContext, forContextBlock, forHtml, forTerminal, forTerminalBlock, forYaml, shellQuote } from '../../src/text.js';

export const HOSTILE = 'x\n## forged heading\n\x1b[31mred\x1b[0m \x1b]0;title\x07 $(touch pwned) `id` \u202eevil\r\n---\n<script>alert(1)</script>\u2028# also\u0085\x00end';

const yaml = createRequire(import.meta.url)('js-yaml') as { load(s: string): unknown };

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;

describe('text sinks', () => {
  it('forTerminal: one line, no escape sequence, no control character, bounded', () => {
    const t = forTerminal(HOSTILE, 500);
    expect(t).not.toMatch(CONTROL);
    expect(t).not.toContain('\n');
    expect(t).not.toContain('\x1b');
    expect(t).toContain('red');
    expect(t).toContain('$(touch pwned)'); // text stays text: nothing here is a shell
    expect(forTerminal('a'.repeat(1000), 10)).toHaveLength(10);
    // A surrogate pair is never cut in half.
    expect(forTerminal('😀'.repeat(10), 4)).toBe('😀…');
  });

  it('forTerminalBlock keeps lines, and nothing else that moves the cursor', () => {
    const t = forTerminalBlock(HOSTILE);
    expect(t.split('\n').length).toBeGreaterThan(3);
    expect(t.replace(/\n/g, '')).not.toMatch(CONTROL);
    expect(t).not.toContain('\r');
  });

  it('forContext cannot start a line; forContextBlock cannot forge markdown structure', () => {
    expect(forContext(HOSTILE, 500)).not.toContain('\n');
    const block = forContextBlock(HOSTILE, 5000);
    expect(block.replace(/\n/g, '')).not.toMatch(CONTROL);
    for (const line of block.split('\n')) {
      expect(line).not.toMatch(/^\s{0,3}#/);
      expect(line).not.toMatch(/^\s*(-{3,}|={3,})\s*$/);
      expect(line).not.toMatch(/^\s*(```|~~~|<)/);
    }
    expect(block).toContain('\\## forged heading');
    expect(forContextBlock('a\n  ```\nb', 100)).toBe('a\n\\```\nb');
  });

  it('forYaml: the value reads back exactly, as one scalar, whatever it holds', () => {
    const doc = `a: ${forYaml(HOSTILE)}\nb: 1\n`;
    expect(doc.split('\n')).toHaveLength(3);
    expect(yaml.load(doc)).toEqual({ a: HOSTILE, b: 1 });
    expect(yaml.load(`k: ${forYaml('---')}`)).toEqual({ k: '---' });
  });

  it('forHtml escapes markup and quotes', () => {
    expect(forHtml(HOSTILE)).not.toMatch(/[<>"'`]/);
    expect(forHtml('<a href="x">&</a>')).toBe('&#60;a href=&#34;x&#34;&#62;&#38;&#60;/a&#62;');
  });

  it('shellQuote: sh reads the word back as it was, and runs nothing', () => {
    const words = [HOSTILE.replace(/\x00/g, ''), "it's", '$HOME', '`id`', '$(touch pwned)', "'", "a'b'c", '\\', ''];
    for (const w of words) {
      const out = execFileSync('sh', ['-c', `printf '%s' ${shellQuote(w)}`], { encoding: 'utf8', cwd: '/' });
      expect(out).toBe(w);
    }
  });
});

describe('forYaml keeps plain words plain', () => {
  it.each(['clear', 'claude-code', 'Fix the login redirect', 'feat/TASK-1'])('%s', (w) => {
    expect(forYaml(w)).toBe(w);
    expect(yaml.load(`k: ${forYaml(w)}`)).toEqual({ k: w });
  });
  it.each(['2026-01-01', '12', 'yes', 'No', 'null', 'a: b', 'a #b', ' lead', 'trail ', '- x', '[x]', '{x}', '*x', '&x', '!x', '%x', '@x', '`x', '"x', "'x", '|', '>', '?x', '~'])('%s is quoted', (w) => {
    expect(yaml.load(`k: ${forYaml(w)}`)).toEqual({ k: w });
  });
});

describe('forScriptJson', () => {
  it('reads back as the same value and cannot end a <script> element', async () => {
    const { forScriptJson } = await import('../../src/text.js');
    const value = { title: `</script><script>alert(1)</script>${HOSTILE}\u2028` };
    const out = forScriptJson(value);
    expect(out).not.toMatch(/<|>|&|\u2028/);
    expect(JSON.parse(out)).toEqual(value);
  });
});
