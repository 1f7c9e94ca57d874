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
    const drawLine = () => {
      term.write(`\r\x1b[2K${promptText}${editor.buffer}`);
      const back = editor.buffer.length - editor.cursor;
      if (back > 0) term.write(`\x1b[${back}D`);
    };
    // lines from the shell arrive at any time: print above the prompt, then redraw it
    let busy = false;
    const shell = new Shell(
      (line) => {
        term.write(`\r\x1b[2K${line.replace(/\n/g, '\r\n')}\r\n`);
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
            term.write(`\r\x1b[2K${promptText}${action.line}\r\n`);
            queue.push(action.line);
            void runQueue();
            break;
          case 'complete': {
            const before = editor.buffer.slice(0, editor.cursor);
            const result = complete(before);
            if (result.candidates.length > 1 && result.line === before) {
              term.write(`\r\x1b[2K${result.candidates.join('   ')}\r\n`);
            }
            editor.set(result.line + editor.buffer.slice(editor.cursor));
            editor.cursor = result.line.length;
            drawLine();
            break;
          }
          case 'interrupt':
            term.write('^C\r\n');
            drawLine();
            break;
          case 'clear-screen':
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

    const refit = () => {
      try {
        fit.fit();
      } catch {
        // hidden
      }
    };
    const resize = new ResizeObserver(refit);
    resize.observe(screen.current!);
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
