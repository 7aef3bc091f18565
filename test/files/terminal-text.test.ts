import t from 'tap';
import { escapeControls, escapeControlsKeepingLines } from '../../harness/files/terminal-text.js';
import { jsonNestingDepth } from '../../harness/results/read.js';

t.test('control characters are shown as escapes', async (t) => {
  t.equal(escapeControls('a\u001b[31mb\u0007'), 'a\\x1b[31mb\\x07');
  t.equal(escapeControls('two\nlines\r\tx\u007f\u0085\u2028\u202e'), 'two\\nlines\\r\\tx\\x7f\\x85\\u2028\\u202e');
  t.equal(escapeControls('plain ünïcode 5% µs'), 'plain ünïcode 5% µs');
  t.equal(escapeControlsKeepingLines('a\tb\nc\u001bd\r'), 'a\tb\nc\\x1bd\\r');
});

t.test('JSON nesting depth, strings skipped, stopping past the limit', async (t) => {
  t.equal(jsonNestingDepth('{"a":[1,{"b":[]}]}', 64), 4);
  t.equal(jsonNestingDepth('{"a":"[[[[\\"[[[["}', 64), 1, 'brackets in strings (and escaped quotes) do not count');
  t.equal(jsonNestingDepth('1', 64), 0);
  t.equal(jsonNestingDepth('['.repeat(1_000_000), 64), 65, 'stops one past the limit');
});
