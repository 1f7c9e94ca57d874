// Word wrapping for the terminal's own lines. xterm wraps a long line at the last column, through
// the middle of a word; the shell's sentences read better broken between words, and a line's
// leading indent is kept on its continuation lines. Colour escapes (CSI sequences) take no columns.
// Pure: test/unit/web-terminal-lines.test.ts runs it.

const CSI = /\x1b\[[0-9;?]*[ -/]*[@-~]/y;

interface Piece {
  text: string;
  /** columns it takes */
  width: number;
  space: boolean;
}

/** Splits a line into words, runs of spaces and escape sequences (width 0, glued to what follows). */
function pieces(line: string): Piece[] {
  const out: Piece[] = [];
  let i = 0;
  let cur: Piece | null = null;
  while (i < line.length) {
    CSI.lastIndex = i;
    const m = CSI.exec(line);
    if (m) {
      // an escape belongs to the word it sits in (or starts the next one)
      if (cur && !cur.space) cur.text += m[0];
      else {
        cur = { text: m[0], width: 0, space: false };
        out.push(cur);
      }
      i += m[0].length;
      continue;
    }
    const cp = line.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    const space = ch === ' ';
    if (!cur || cur.space !== space || (cur.space && !space)) {
      cur = { text: '', width: 0, space };
      out.push(cur);
    }
    cur.text += ch;
    cur.width += 1;
    i += ch.length;
  }
  return out;
}

/** Columns `text` takes on screen (escape sequences take none). */
export function visibleWidth(text: string): number {
  let w = 0;
  for (const p of pieces(text)) w += p.width;
  return w;
}

/**
 * `line` (no newlines) broken into rows of at most `cols` columns, between words where it can;
 * a word longer than a row is cut. Continuation rows start with the line's own indent.
 */
export function wrapLine(line: string, cols: number): string[] {
  if (cols < 2 || visibleWidth(line) <= cols) return [line];
  const indentMatch = /^ */.exec(line.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, ''))!;
  const indent = indentMatch[0].length < cols / 2 ? indentMatch[0] : '';
  const rows: string[] = [];
  let row = '';
  let width = 0;
  let pendingSpace: Piece | null = null;
  const flush = () => {
    rows.push(row);
    row = indent;
    width = indent.length;
    pendingSpace = null;
  };
  const list = pieces(line);
  for (let k = 0; k < list.length; k++) {
    const p = list[k];
    if (p.space) {
      pendingSpace = p;
      continue;
    }
    const gap: number = pendingSpace ? (pendingSpace as Piece).width : 0;
    if (width + gap + p.width <= cols) {
      if (pendingSpace) row += (pendingSpace as Piece).text;
      row += p.text;
      width += gap + p.width;
      pendingSpace = null;
      continue;
    }
    // does not fit: a new row (unless this row holds nothing but the indent)
    if (width > indent.length || (rows.length === 0 && width > 0)) flush();
    else pendingSpace = null;
    if (width + p.width <= cols) {
      row += p.text;
      width += p.width;
      continue;
    }
    // a word longer than a whole row: cut it
    let rest = p.text;
    while (rest) {
      let take = '';
      let w = 0;
      let j = 0;
      while (j < rest.length) {
        CSI.lastIndex = j;
        const m = CSI.exec(rest);
        if (m) {
          take += m[0];
          j += m[0].length;
          continue;
        }
        if (width + w + 1 > cols) break;
        const ch = String.fromCodePoint(rest.codePointAt(j)!);
        take += ch;
        w += 1;
        j += ch.length;
      }
      row += take;
      width += w;
      rest = rest.slice(j);
      if (rest) flush();
    }
  }
  rows.push(row);
  return rows;
}

/** A line that may hold newlines, wrapped row by row. */
export function wrapText(text: string, cols: number): string[] {
  return text.split('\n').flatMap((l) => wrapLine(l, cols));
}

/**
 * The terminal's transcript: every line written, kept (up to `max`) so the screen can be drawn
 * again at a new width. A screen clear empties it.
 */
export class Transcript {
  private lines: string[] = [];
  constructor(private readonly max = 2000) {}

  add(line: string): void {
    if (/\x1b\[[23]J/.test(line)) {
      this.lines = [];
      return;
    }
    this.lines.push(line);
    if (this.lines.length > this.max) this.lines.splice(0, this.lines.length - this.max);
  }

  clear(): void {
    this.lines = [];
  }

  /** Every kept line wrapped to `cols`, as rows. */
  rows(cols: number): string[] {
    return this.lines.flatMap((l) => wrapText(l, cols));
  }

  get size(): number {
    return this.lines.length;
  }
}
