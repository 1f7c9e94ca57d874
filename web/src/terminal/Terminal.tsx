// The xterm panel: wires the line editor and the shell to an xterm.js terminal. xterm is loaded
// with the panel (this file is imported lazily by the playground), and follows the page's theme.
import { useEffect, useRef } from 'react';
import { Terminal as XTerm, type ITheme } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import '@xterm/xterm/css/xterm.css';
import './terminal.css';
import { getStore } from '../store/store.ts';
import { complete } from './commands.ts';
import { LineEditor } from './line-editor.ts';
import { Shell } from './shell.ts';
import { Transcript, visibleWidth, wrapText } from './wrap.ts';

function themeFromCss(el: HTMLElement): ITheme {
  const css = getComputedStyle(el);
  const v = (name: string) => css.getPropertyValue(name).trim();
  const dark = matchesDark(el);
  return {
    background: v('--surface') || (dark ? '#1e2128' : '#ffffff'),
    foreground: v('--text') || (dark ? '#e8e9ec' : '#1a1c20'),
    cursor: v('--focus') || '#d9480f',
    selectionBackground: v('--accent-bg') || '#1f3154',
    black: dark ? '#3a3f4b' : '#1a1c20',
    red: dark ? '#ff8a80' : '#b3261e',
    green: dark ? '#7fdc98' : '#1e7a3a',
    yellow: dark ? '#ffd27a' : '#8a5a00',
    blue: dark ? '#7fb0ff' : '#1456c7',
    magenta: dark ? '#e0a3ff' : '#8a2bb0',
    cyan: dark ? '#7ee0e6' : '#0b6f79',
    white: dark ? '#e8e9ec' : '#5a6170',
  };
}

/** Whether the resolved theme is dark: <html data-theme>, else the system preference. */
function matchesDark(el: HTMLElement): boolean {
  const chosen = el.ownerDocument.documentElement.dataset.theme;
  if (chosen) return chosen === 'dark';
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ?? false;
}

declare global {
  interface Window {
    /** the terminal's buffer as text (for tests and screen readers that want the transcript) */
    __wslabTerminalText?: () => string;
  }
}

export function TerminalPanel({ height = '24rem' }: { height?: string }) {
  const host = useRef<HTMLDivElement>(null);
  const screen = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = host.current!;
    const term = new XTerm({
      fontFamily: getComputedStyle(el).getPropertyValue('--font-mono') || 'monospace',
      fontSize: 15,
      cursorBlink: true,
      convertEol: false,
      scrollback: 2000,
      theme: themeFromCss(el),
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(screen.current!);
    try {
      fit.fit();
    } catch {
      // not laid out yet
    }
    const editor = new LineEditor();
    let promptText = '';
    // Every line is kept and written word-wrapped to the terminal's width; when the width changes
    // the screen is drawn again from the transcript, so the text reflows instead of staying cut.
    const transcript = new Transcript(2000);
    // The prompt and the line being typed may take several rows; `inputRow` is the row (from the
    // prompt's first) the cursor was left on, so the whole input can be erased before a redraw.
    let inputRow = 0;
    const eraseInput = () => {
      term.write(`${inputRow > 0 ? `\x1b[${inputRow}A` : ''}\r\x1b[J`);
      inputRow = 0;
    };
    const print = (line: string) => {
      transcript.add(line);
      eraseInput();
      term.write(`${wrapText(line, term.cols).join('\r\n')}\r\n`);
    };
    const drawLine = () => {
      eraseInput();
      term.write(`${promptText}${editor.buffer}`);
      const cols = Math.max(1, term.cols);
      const start = visibleWidth(promptText);
      const end = start + editor.buffer.length;
      // after the last column xterm keeps the cursor on that row until the next character
      const endRow = end > 0 && end % cols === 0 ? end / cols - 1 : Math.floor(end / cols);
      const at = start + editor.cursor;
      if (at === end) {
        inputRow = endRow;
        return;
      }
      const row = Math.floor(at / cols);
      term.write(`${endRow > row ? `\x1b[${endRow - row}A` : ''}\r${at % cols > 0 ? `\x1b[${at % cols}C` : ''}`);
      inputRow = row;
    };
    // lines from the shell arrive at any time: print above the prompt, then redraw it
    let busy = false;
    const shell = new Shell(
      (line) => {
        print(line);
        promptText = shell.prompt;
        if (!busy) drawLine();
      },
      { store: getStore(), origin: location.origin },
    );
    shell.banner();
    promptText = shell.prompt;
    drawLine();

    const queue: string[] = [];
    const runQueue = async () => {
      if (busy) return;
      busy = true;
      while (queue.length) {
        const line = queue.shift()!;
        await shell.run(line);
      }
      busy = false;
      promptText = shell.prompt;
      drawLine();
    };

    const data = term.onData((d) => {
      for (const action of editor.input(d)) {
        switch (action.type) {
          case 'redraw':
            drawLine();
            break;
          case 'submit':
            print(`${promptText}${action.line}`);
            queue.push(action.line);
            void runQueue();
            break;
          case 'complete': {
            const before = editor.buffer.slice(0, editor.cursor);
            const result = complete(before);
            if (result.candidates.length > 1 && result.line === before) {
              print(result.candidates.join('   '));
            }
            editor.set(result.line + editor.buffer.slice(editor.cursor));
            editor.cursor = result.line.length;
            drawLine();
            break;
          }
          case 'interrupt':
            term.write('^C\r\n');
            inputRow = 0;
            drawLine();
            break;
          case 'clear-screen':
            transcript.clear();
            eraseInput();
            term.clear();
            drawLine();
            break;
          case 'leave':
            term.blur();
            el.focus();
            break;
        }
      }
    });
    // Esc leaves the terminal so Tab can move focus on (xterm keeps Tab for completion).
    term.attachCustomKeyEventHandler((ev) => {
      if (ev.key === 'Escape' && ev.type === 'keydown') {
        term.blur();
        el.focus();
        return false;
      }
      return true;
    });

    let drawnCols = term.cols;
    const refit = () => {
      try {
        fit.fit();
      } catch {
        // hidden
      }
      if (term.cols === drawnCols) return;
      drawnCols = term.cols;
      // reflow: the same lines, wrapped between words at the new width
      term.reset();
      inputRow = 0;
      const rows = transcript.rows(term.cols);
      if (rows.length) term.write(rows.join('\r\n') + '\r\n');
      drawLine();
    };
    // the font may arrive after the first fit and change the width of a column
    void document.fonts?.ready.then(refit);
    const resize = new ResizeObserver(refit);
    resize.observe(screen.current!);
    resize.observe(el);
    const retheme = () => {
      term.options.theme = themeFromCss(el);
    };
    const mo = new MutationObserver(retheme);
    mo.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    const mq = window.matchMedia?.('(prefers-color-scheme: dark)');
    mq?.addEventListener('change', retheme);

    window.__wslabTerminalText = () => {
      const b = term.buffer.active;
      const lines: string[] = [];
      for (let i = 0; i < b.length; i++) lines.push(b.getLine(i)?.translateToString(true) ?? '');
      return lines.join('\n');
    };

    return () => {
      data.dispose();
      resize.disconnect();
      mo.disconnect();
      mq?.removeEventListener('change', retheme);
      shell.dispose();
      term.dispose();
      delete window.__wslabTerminalText;
    };
  }, []);

  return (
    <div
      ref={host}
      className="terminal-host"
      tabIndex={-1}
      role="region"
      aria-label="Terminal: type commands, Enter runs, Tab completes, Esc leaves"
    >
      <div ref={screen} className="terminal-screen" style={{ height }} />
    </div>
  );
}
