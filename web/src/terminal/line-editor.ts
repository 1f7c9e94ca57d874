// The terminal's line editor: keys in (xterm's onData strings), an edited line and actions out.
// Pure — no xterm here — so history and cursor moves are testable.

export type EditorAction =
  | { type: 'redraw' }
  | { type: 'submit'; line: string }
  | { type: 'complete' }
  | { type: 'interrupt' }
  | { type: 'clear-screen' }
  | { type: 'leave' };

export class LineEditor {
  buffer = '';
  cursor = 0;
  readonly history: string[] = [];
  /** index into history while browsing with up/down; history.length means "the line being typed" */
  private browsing = 0;
  private draft = '';

  constructor(private readonly maxHistory = 200) {}

  set(line: string): void {
    this.buffer = line;
    this.cursor = line.length;
  }

  /** Handles one onData string (a key, an escape sequence, or pasted text). */
  input(data: string): EditorAction[] {
    const actions: EditorAction[] = [];
    let i = 0;
    while (i < data.length) {
      const seq = matchSequence(data, i);
      if (seq) {
        i += seq.length;
        this.key(seq.key, actions);
        continue;
      }
      const ch = data[i];
      const code = ch.charCodeAt(0);
      i++;
      if (ch === '\r' || ch === '\n') {
        // a pasted CRLF is one line break
        if (ch === '\r' && data[i] === '\n') i++;
        actions.push(this.submit());
      } else if (code === 0x7f || code === 0x08) this.key('backspace', actions);
      else if (ch === '\t') actions.push({ type: 'complete' });
      else if (code === 0x03) {
        this.buffer = '';
        this.cursor = 0;
        this.browsing = this.history.length;
        actions.push({ type: 'interrupt' });
      } else if (code === 0x0c) actions.push({ type: 'clear-screen' });
      else if (code === 0x01) this.key('home', actions);
      else if (code === 0x05) this.key('end', actions);
      else if (code === 0x15) {
        this.buffer = this.buffer.slice(this.cursor);
        this.cursor = 0;
        actions.push({ type: 'redraw' });
      } else if (code === 0x1b) actions.push({ type: 'leave' });
      else if (code >= 0x20) {
        // insert the run of printable characters at once
        let j = i;
        while (j < data.length && data.charCodeAt(j) >= 0x20 && data.charCodeAt(j) !== 0x7f) j++;
        const text = ch + data.slice(i, j);
        i = j;
        this.buffer = this.buffer.slice(0, this.cursor) + text + this.buffer.slice(this.cursor);
        this.cursor += text.length;
        actions.push({ type: 'redraw' });
      }
    }
    return actions;
  }

  private submit(): EditorAction {
    const line = this.buffer;
    if (line.trim() && this.history[this.history.length - 1] !== line) {
      this.history.push(line);
      if (this.history.length > this.maxHistory) this.history.shift();
    }
    this.buffer = '';
    this.cursor = 0;
    this.browsing = this.history.length;
    this.draft = '';
    return { type: 'submit', line };
  }

  private key(key: string, actions: EditorAction[]): void {
    switch (key) {
      case 'up':
        if (this.browsing > 0) {
          if (this.browsing === this.history.length) this.draft = this.buffer;
          this.browsing--;
          this.set(this.history[this.browsing]);
        }
        break;
      case 'down':
        if (this.browsing < this.history.length) {
          this.browsing++;
          this.set(this.browsing === this.history.length ? this.draft : this.history[this.browsing]);
        }
        break;
      case 'left':
        this.cursor = Math.max(0, this.cursor - 1);
        break;
      case 'right':
        this.cursor = Math.min(this.buffer.length, this.cursor + 1);
        break;
      case 'home':
        this.cursor = 0;
        break;
      case 'end':
        this.cursor = this.buffer.length;
        break;
      case 'backspace':
        if (this.cursor > 0) {
          this.buffer = this.buffer.slice(0, this.cursor - 1) + this.buffer.slice(this.cursor);
          this.cursor--;
        }
        break;
      case 'delete':
        this.buffer = this.buffer.slice(0, this.cursor) + this.buffer.slice(this.cursor + 1);
        break;
      default:
        return;
    }
    actions.push({ type: 'redraw' });
  }
}

const SEQUENCES: [string, string][] = [
  ['\x1b[A', 'up'],
  ['\x1bOA', 'up'],
  ['\x1b[B', 'down'],
  ['\x1bOB', 'down'],
  ['\x1b[C', 'right'],
  ['\x1bOC', 'right'],
  ['\x1b[D', 'left'],
  ['\x1bOD', 'left'],
  ['\x1b[H', 'home'],
  ['\x1bOH', 'home'],
  ['\x1b[1~', 'home'],
  ['\x1b[F', 'end'],
  ['\x1bOF', 'end'],
  ['\x1b[4~', 'end'],
  ['\x1b[3~', 'delete'],
];

function matchSequence(data: string, at: number): { key: string; length: number } | null {
  if (data[at] !== '\x1b' || at + 1 >= data.length) return null;
  for (const [seq, key] of SEQUENCES) if (data.startsWith(seq, at)) return { key, length: seq.length };
  // an unknown CSI sequence (e.g. a function key): swallow it whole
  const m = /^\x1b\[[0-9;]*[~A-Za-z]/.exec(data.slice(at));
  if (m) return { key: 'ignore', length: m[0].length };
  return null;
}
