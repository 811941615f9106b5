// guard/commit-message.ts: reading git's command line and applying its cleanup (the real commits
// are in test/integration/guard-cleanup.test.ts).
import { describe, expect, it } from 'vitest';
import { CUT_LINE, cleanupRules, keptMessage, parseCommitArgs } from '../../dist/guard/commit-message.js';

describe('parseCommitArgs', () => {
  it.each([
    [['-m', 'fix'], { cleanup: undefined, verbose: undefined }],
    [['-v', '-m', 'fix'], { cleanup: undefined, verbose: true }],
    [['-qvm', 'fix'], { cleanup: undefined, verbose: true }],
    [['-m', '-v'], { cleanup: undefined, verbose: undefined }], // "-v" is the message
    [['-mv'], { cleanup: undefined, verbose: undefined }], // so is "v"
    [['--cleanup=verbatim'], { cleanup: 'verbatim', verbose: undefined }],
    [['--cleanup', 'strip', '--verbose'], { cleanup: 'strip', verbose: true }],
    [['-v', '--no-verbose'], { cleanup: undefined, verbose: false }],
    [['--message', '--cleanup=strip'], { cleanup: undefined, verbose: undefined }],
    [['--', '-v'], { cleanup: undefined, verbose: undefined }], // a path
    [['-S', '-v'], { cleanup: undefined, verbose: true }], // -S takes no separate value
  ])('%j', (args, want) => expect(parseCommitArgs(args)).toEqual(want));
});

describe('keptMessage', () => {
  const raw = ['fix', '# TASK-1 comment', '; TASK-2 other', `# ${CUT_LINE}`, 'TASK-3 below'].join('\n');
  const kept = (o: Parameters<typeof cleanupRules>[1]) => keptMessage(raw, cleanupRules(raw, o));
  const config = { cleanup: undefined, commentChar: undefined, verbose: undefined };
  const args = { cleanup: undefined, verbose: undefined };
  it('keeps everything when not edited (whitespace)', () => expect(kept({ edited: false, config, args })).toBe(raw));
  it('strips comments when edited, and keeps below the cut line without -v', () => {
    expect(kept({ edited: true, config, args })).toBe('fix\n; TASK-2 other\nTASK-3 below');
  });
  it('cuts at the cut line with -v or scissors', () => {
    expect(kept({ edited: true, config, args: { ...args, verbose: true } })).toBe('fix\n; TASK-2 other\n');
    expect(kept({ edited: true, config, args: { cleanup: 'scissors', verbose: undefined } })).toContain('# TASK-1 comment');
  });
  it('takes an edited cut line as git\'s own when the command line is unknown', () => {
    expect(kept({ edited: true, config, args: undefined })).toBe('fix\n; TASK-2 other\n');
    expect(kept({ edited: false, config, args: undefined })).toBe(raw);
  });
  it('auto: the character git picked', () => {
    const auto = { ...config, commentChar: 'auto' };
    // Not edited: the first candidate that starts no line (# and ; do) is @: nothing is stripped.
    expect(kept({ edited: false, config: { ...auto, cleanup: 'strip' }, args })).toBe(raw);
    // Edited: git's instructions name the character.
    const edited = ['fix', '; TASK-2 other', "# with '#' will be ignored"].join('\n');
    expect(keptMessage(edited, cleanupRules(edited, { edited: true, config: auto, args }))).toBe('fix\n; TASK-2 other');
  });
});
