import { describe, expect, test } from 'vitest';
import { removeNested, setNested } from '../../dist/install/json-edit.js';

const V = 'sortie prepare || exit 0';

describe('package.json edits of one member', () => {
  const cases: [string, string, string][] = [
    ['two spaces, scripts present', '{\n  "name": "a",\n  "scripts": {\n    "test": "x"\n  }\n}\n', '{\n  "name": "a",\n  "scripts": {\n    "test": "x",\n    "prepare": "sortie prepare || exit 0"\n  }\n}\n'],
    ['four spaces, no scripts, no final newline', '{\n    "name": "a",\n    "files": ["dist",  "bin"]\n}', '{\n    "name": "a",\n    "files": ["dist",  "bin"],\n    "scripts": {\n        "prepare": "sortie prepare || exit 0"\n    }\n}'],
    ['tabs and CRLF', '{\r\n\t"name": "a",\r\n\t"scripts": {\r\n\t\t"b": "tsc"\r\n\t}\r\n}\r\n', '{\r\n\t"name": "a",\r\n\t"scripts": {\r\n\t\t"b": "tsc",\r\n\t\t"prepare": "sortie prepare || exit 0"\r\n\t}\r\n}\r\n'],
    ['empty scripts', '{\n  "name": "a",\n  "scripts": {}\n}\n', '{\n  "name": "a",\n  "scripts": {\n    "prepare": "sortie prepare || exit 0"\n  }\n}\n'],
    ['inline scripts', '{"name":"a","scripts":{"t":"x"}}', '{"name":"a","scripts":{"t":"x", "prepare": "sortie prepare || exit 0"}}'],
    ['one space (the indent the old detection got wrong)', '{\n "name": "a"\n}\n', '{\n "name": "a",\n "scripts": {\n  "prepare": "sortie prepare || exit 0"\n }\n}\n'],
  ];
  for (const [name, before, after] of cases) {
    test(`${name}: set, then removed back to the same bytes`, () => {
      const set = setNested(before, 'scripts', 'prepare', V);
      expect(set).toBe(after);
      expect(JSON.parse(set).scripts.prepare).toBe(V);
      const hadScripts = JSON.parse(before).scripts !== undefined;
      expect(removeNested(set, 'scripts', 'prepare', !hadScripts)).toBe(before);
    });
  }

  test('an existing value is replaced in place, and put back', () => {
    const before = '{\n  "scripts": {\n    "prepare": "husky",\n    "z": "1"\n  }\n}\n';
    const set = setNested(before, 'scripts', 'prepare', `husky && (${V})`);
    expect(set).toBe(before.replace('"husky"', `"husky && (${V})"`));
    expect(setNested(set, 'scripts', 'prepare', 'husky')).toBe(before);
  });

  test('strings with escapes and nested values are skipped correctly', () => {
    const before = '{\n  "a": "x\\"}{",\n  "b": {"c": [1, {"d": "]"}]},\n  "scripts": {\n    "t": "echo \\"hi\\""\n  }\n}\n';
    const set = setNested(before, 'scripts', 'prepare', V);
    expect(JSON.parse(set)).toEqual({ ...JSON.parse(before), scripts: { t: 'echo "hi"', prepare: V } });
    expect(removeNested(set, 'scripts', 'prepare', false)).toBe(before);
  });
});
