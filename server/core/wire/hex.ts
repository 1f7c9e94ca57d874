// Hex in and out, forgiving about what people paste:
//   "81 05 48 65"   "0x81,0x05"   "8105 4865"   "\x81\x05"   "[0x81, 0x5]"
//   Wireshark / hexdump -C / xxd dumps with leading offsets and an ASCII column:
//   "0000  81 05 48 65 6c 6c 6f   ..Hello"
// Anything that is not hex is reported with its line and column, never silently dropped.

const HEX_DIGITS = /^[0-9a-fA-F]+$/;
/**
 * A dump line: an offset of 4-8 hex digits, then either ':' (xxd, whose groups may be 4
 * digits wide) or two or more spaces (Wireshark, hexdump -C) before 2-digit bytes.
 */
const DUMP_LINE = /^\s*(?:0x)?([0-9a-fA-F]{4,8})(?::[ \t]*(?=(?:[0-9a-fA-F]{2})+(?:\s|$))|[ \t]{2,}(?=[0-9a-fA-F]{2}(?:\s|$)))/;
const BYTES_PER_DUMP_LINE = 16;

export type ParseHexResult = { bytes: Uint8Array } | { error: string };

interface Token {
  text: string;
  column: number;
  /** the token had a 0x or \x prefix, so a single digit means one byte */
  prefixed: boolean;
}

/** Parse pasted hex. Returns the bytes, or an error naming every part that is not hex. */
export function parseHex(text: string): ParseHexResult {
  if (typeof text !== 'string') return { error: 'expected text containing hex bytes' };
  const out: number[] = [];
  const problems: string[] = [];
  const lines = text.split(/\r\n|\r|\n/);
  for (let ln = 0; ln < lines.length; ln++) {
    const line = lines[ln];
    const dump = DUMP_LINE.exec(line);
    const tokens = dump ? dumpTokens(line, dump[0].length) : plainTokens(line);
    for (const t of tokens) {
      let digits = t.text;
      if (!HEX_DIGITS.test(digits)) {
        problems.push(`'${t.text}' (line ${ln + 1}, column ${t.column + 1}) is not hex`);
        continue;
      }
      if (digits.length % 2 === 1) {
        if (t.prefixed && digits.length === 1) digits = '0' + digits;
        else {
          problems.push(`'${t.text}' (line ${ln + 1}, column ${t.column + 1}) has an odd number of hex digits`);
          continue;
        }
      }
      for (let k = 0; k < digits.length; k += 2) out.push(parseInt(digits.slice(k, k + 2), 16));
    }
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, 5).join('; ');
    const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : '';
    return { error: `could not parse: ${shown}${more}` };
  }
  return { bytes: Uint8Array.from(out) };
}

/** Tokens of a free-form line: separators are whitespace , ; : - and brackets; 0x and \x prefixes are dropped. */
function plainTokens(line: string): Token[] {
  const tokens: Token[] = [];
  const re = /[^\s,;:\[\]{}()"'`-]+/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line)) !== null) {
    // A token may hold several prefixed bytes glued together: "\x81\x05" or "0x810x05" is rare; split on \x.
    const parts = m[0].split(/\\x/i);
    let col = m.index;
    for (let p = 0; p < parts.length; p++) {
      let part = parts[p];
      let prefixed = p > 0;
      const partCol = col;
      col += part.length + 2;
      if (part === '') continue;
      if (/^0x/i.test(part)) {
        part = part.slice(2);
        prefixed = true;
        if (part === '') {
          tokens.push({ text: '0x', column: partCol, prefixed });
          continue;
        }
      }
      tokens.push({ text: part, column: partCol, prefixed });
    }
  }
  return tokens;
}

/**
 * Tokens of a dump line after its offset. Hex groups are separated by one or two spaces
 * (hexdump -C puts two in the middle); the ASCII column starts after three or more spaces,
 * a '|', two spaces after a 4-digit xxd group, or once 16 bytes were read.
 */
function dumpTokens(line: string, start: number): Token[] {
  const tokens: Token[] = [];
  let i = start;
  let bytes = 0;
  let prevWidth = 2;
  while (i < line.length && bytes < BYTES_PER_DUMP_LINE) {
    let gap = 0;
    while (i < line.length && (line[i] === ' ' || line[i] === '\t')) {
      gap += line[i] === '\t' ? 3 : 1;
      i++;
    }
    if (i >= line.length) break;
    if (tokens.length > 0 && (gap >= 3 || (gap === 2 && prevWidth !== 2))) break;
    let j = i;
    while (j < line.length && line[j] !== ' ' && line[j] !== '\t') j++;
    const text = line.slice(i, j);
    if (!HEX_DIGITS.test(text) || text.length % 2 === 1) break; // the ASCII column
    tokens.push({ text, column: i, prefixed: false });
    bytes += text.length / 2;
    prevWidth = text.length;
    i = j;
  }
  return tokens;
}

const HEX_PAIRS: string[] = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** Bytes as lowercase hex pairs joined by `sep`: toHex([0x81, 0x05]) === '81 05'. */
export function toHex(bytes: Uint8Array | ArrayLike<number>, sep = ' '): string {
  const n = bytes.length;
  if (n === 0) return '';
  const parts = new Array<string>(n);
  for (let i = 0; i < n; i++) parts[i] = HEX_PAIRS[bytes[i] & 0xff];
  return parts.join(sep);
}
