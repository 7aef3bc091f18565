// Text from outside (a result file's case ids, a path, an option's value) on its way to a
// terminal: control characters shown as escapes, so an escape sequence cannot recolour, move
// the cursor or retitle the terminal, and a newline cannot make one error two lines.

// C0 controls, DEL and C1 controls; the unicode line and paragraph separators; bidi overrides.
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// The same, but newline and tab kept: for whole reports, whose own layout uses them.
// eslint-disable-next-line no-control-regex
const CONTROLS_BUT_LAYOUT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escaped(character: string): string {
  const code = character.charCodeAt(0);
  if (character === '\n') return '\\n';
  if (character === '\r') return '\\r';
  if (character === '\t') return '\\t';
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** One line: every control character escaped ("a\x1b[31m" for ESC [31m, "\n" for a newline). */
export function escapeControls(text: string): string {
  return text.replace(CONTROLS, escaped);
}

/** Many lines: as escapeControls, but newlines and tabs left as they are. */
export function escapeControlsKeepingLines(text: string): string {
  return text.replace(CONTROLS_BUT_LAYOUT, escaped);
}
