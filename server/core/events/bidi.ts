// Bidirectional control characters in text from peers (chat messages, frame payloads, event
// fields). U+202E RIGHT-TO-LEFT OVERRIDE and its friends reorder the text that FOLLOWS them until
// the end of the paragraph: a chat message "hi\u202E" followed by "via n1" on the same line shows
// "1n aiv". Two ways to stop that, both here:
//   - escapeBidi: a visible escape (\u202e) in place of each control, for terminals and logs, where
//     nothing else isolates one field from the next (wslab watch, the web terminal);
//   - isolateBidi: the text wrapped in an isolate (FSI … PDI) with every embedding, override and
//     isolate it opened closed before the end, and stray closers dropped, so it cannot reach the
//     text after it. In HTML, <bdi> (unicode-bidi: isolate) does the same job.
// Pure: no Node, no DOM; imported by the server and by the web app.

/** Every character that changes the bidirectional order of other text (Unicode UAX #9). */
export const BIDI_CONTROLS: Readonly<Record<number, string>> = {
  0x061c: 'ALM', // ARABIC LETTER MARK
  0x200e: 'LRM', // LEFT-TO-RIGHT MARK
  0x200f: 'RLM', // RIGHT-TO-LEFT MARK
  0x202a: 'LRE', // LEFT-TO-RIGHT EMBEDDING
  0x202b: 'RLE', // RIGHT-TO-LEFT EMBEDDING
  0x202c: 'PDF', // POP DIRECTIONAL FORMATTING
  0x202d: 'LRO', // LEFT-TO-RIGHT OVERRIDE
  0x202e: 'RLO', // RIGHT-TO-LEFT OVERRIDE
  0x2066: 'LRI', // LEFT-TO-RIGHT ISOLATE
  0x2067: 'RLI', // RIGHT-TO-LEFT ISOLATE
  0x2068: 'FSI', // FIRST STRONG ISOLATE
  0x2069: 'PDI', // POP DIRECTIONAL ISOLATE
};

/** Matches one bidi control character (global: use with replace). */
export const BIDI_CONTROL_RE = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

const FSI = '\u2068';
const PDI = '\u2069';
const PDF = '\u202C';

export function isBidiControl(code: number): boolean {
  return Object.hasOwn(BIDI_CONTROLS, code);
}

export function hasBidiControls(text: string): boolean {
  BIDI_CONTROL_RE.lastIndex = 0;
  return BIDI_CONTROL_RE.test(text);
}

/** The escape shown in place of a bidi control: \u202e (lower case, as JSON writes it). */
export function bidiEscape(code: number): string {
  return `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Every bidi control replaced by its visible escape; text without any is returned unchanged. */
export function escapeBidi(text: string): string {
  return text.replace(BIDI_CONTROL_RE, (ch) => bidiEscape(ch.charCodeAt(0)));
}

/** The text with every bidi control removed. */
export function stripBidi(text: string): string {
  return text.replace(BIDI_CONTROL_RE, '');
}

/**
 * The text as an isolate that cannot reorder what follows it: FSI + text + PDI, where every
 * embedding or override (LRE RLE LRO RLO) still open at the end is closed with PDF and every
 * isolate (LRI RLI FSI) with PDI, innermost first, and a PDI with no isolate of the text's own to
 * close is dropped (it would close the wrapper early). A PDF with nothing to close is harmless
 * (the algorithm ignores it) and kept. Text without controls comes back unchanged.
 */
export function isolateBidi(text: string): string {
  if (!hasBidiControls(text)) return text;
  const open: ('embed' | 'isolate')[] = [];
  let out = '';
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    if (code >= 0x202a && code <= 0x202e && code !== 0x202c) open.push('embed');
    else if (code >= 0x2066 && code <= 0x2068) open.push('isolate');
    else if (code === 0x202c) {
      // closes the innermost embedding, not past an isolate
      if (open.length && open[open.length - 1] === 'embed') open.pop();
    } else if (code === 0x2069) {
      const i = open.lastIndexOf('isolate');
      if (i < 0) continue; // stray: drop it
      open.length = i; // closes the isolate and every embedding opened inside it
    }
    out += ch;
  }
  let close = '';
  for (let i = open.length - 1; i >= 0; i--) close += open[i] === 'embed' ? PDF : PDI;
  return FSI + out + close + PDI;
}
