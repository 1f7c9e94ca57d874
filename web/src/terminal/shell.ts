// The terminal's shell: runs parsed commands against one connection at a time — a browser
// WebSocket, or a puppet client the server runs when the browser API cannot do what was asked —
// and writes what happens as lines. No xterm and no React here: `write` is the only way out.
//
// Every untrusted string (payloads, close reasons, server messages) goes through escapeControl,
// so no message can move the cursor, clear the screen or retitle the terminal.
import { escapeControl } from '../../../server/core/events/format.ts';
import { toHex } from '../../../server/core/wire/index.ts';
import type { EventOf } from '../../../server/core/events/schema.ts';
import type { EventStore, FrameEvent } from '../store/store.ts';
import { createPuppet, deletePuppet, puppetAction, type PuppetAction } from '../ws/api.ts';
import { BrowserClient, STATE_NAMES } from '../ws/browser-client.ts';
import { getOwnConns, type OwnConns } from '../ws/own-conns.ts';
import { labUrl, newSessionId } from '../ws/session.ts';
import { COMMANDS, parseCommand, type Command } from './commands.ts';

const C = {
  reset: '\x1b[0m',
  dim: '\x1b[2m',
  bold: '\x1b[1m',
  red: '\x1b[31m',
  green: '\x1b[32m',
  yellow: '\x1b[33m',
  blue: '\x1b[34m',
  magenta: '\x1b[35m',
  cyan: '\x1b[36m',
};

/** Untrusted text made inert for the terminal (control characters shown as \xNN escapes). */
export function safe(text: string, max = 2000): string {
  return escapeControl(text, max);
}

type Target =
  | { kind: 'browser'; client: BrowserClient; url: string; conn: string | null; unsubscribe: () => void }
  | { kind: 'puppet'; id: string; path: string; conn: string | null; closing: boolean };

export interface ShellDeps {
  store: EventStore;
  own?: OwnConns;
  /** this page's origin, e.g. http://127.0.0.1:8080 */
  origin: string;
}

export class Shell {
  private target: Target | null = null;
  private unsubscribeStore: () => void;
  /** the newest frame seq already printed */
  private seenSeq: number;
  private closeShown = new Set<string>();
  private browserLogSeen = 0;
  /** the suggestion last shown for a bare line that looked like a mistyped command (said once) */
  private bareNoted: string | null = null;
  private readonly own: OwnConns;

  constructor(
    private readonly write: (line: string) => void,
    private readonly deps: ShellDeps,
  ) {
    this.own = deps.own ?? getOwnConns();
    this.seenSeq = lastFlushedSeq(deps.store);
    this.unsubscribeStore = deps.store.subscribe(() => this.onStore());
  }

  banner(): void {
    this.write(`${C.bold}wslab terminal${C.reset} — a wscat-like shell. Type ${C.cyan}help${C.reset} for the commands, ${C.cyan}connect /lab/echo${C.reset} to start.`);
    this.write(`${C.dim}Up/down: history · Tab: complete · Esc: leave the terminal (then Tab moves on)${C.reset}`);
  }

  get prompt(): string {
    const t = this.target;
    if (!t) return `${C.dim}(not connected)${C.reset} > `;
    const state = this.readyState();
    const color = state === 1 ? C.green : state === 3 ? C.red : C.yellow;
    return `${color}${t.kind === 'puppet' ? `puppet ${t.id}` : 'browser'}${t.conn ? ` ${t.conn}` : ''}${C.reset} > `;
  }

  dispose(): void {
    this.unsubscribeStore();
    if (this.target?.kind === 'browser') {
      this.target.unsubscribe();
      this.target.client.reset();
    } else if (this.target?.kind === 'puppet' && this.puppetMayLive(this.target)) void deletePuppet(this.target.id);
    this.target = null;
  }

  /** Runs one typed line. */
  async run(line: string): Promise<void> {
    const parsed = parseCommand(line);
    if (!parsed.ok) {
      this.error(parsed.error);
      return;
    }
    try {
      await this.exec(parsed.command);
    } catch (err) {
      this.error((err as Error).message);
    }
  }

  private error(message: string): void {
    this.write(`${C.red}error:${C.reset} ${safe(message)}`);
  }

  private note(message: string): void {
    this.write(`${C.dim}* ${message}${C.reset}`);
  }

  private readyState(): number | null {
    const t = this.target;
    if (!t) return null;
    if (t.kind === 'browser') return t.client.readyState;
    if (!t.conn) return 0;
    const view = this.deps.store.conns.get(t.conn);
    if (view?.close) return 3;
    const client = view?.states.filter((s) => s.side === 'client');
    return client?.length ? client[client.length - 1].to : 1;
  }

  private async exec(cmd: Command): Promise<void> {
    switch (cmd.kind) {
      case 'empty':
        return;
      case 'help':
        return this.help(cmd.topic);
      case 'clear':
        this.write('\x1b[2J\x1b[3J\x1b[H');
        return;
      case 'connect':
        return cmd.puppet ? this.connectPuppet(cmd) : this.connectBrowser(cmd);
      case 'state':
        return this.state();
      case 'frames':
        return this.frames(cmd.count);
    }
    const t = this.target;
    if (!t) {
      if (cmd.kind === 'send' && cmd.bare) {
        const word = cmd.text.trim().split(/\s+/, 1)[0];
        this.error(`not connected: "${word}" is not a command, and a line that is not one is sent as text once you are connected — connect /lab/echo first${cmd.suggestion ? ` (or did you mean ${cmd.suggestion}?)` : ''}`);
        return;
      }
      this.error('not connected: connect /lab/echo first');
      return;
    }
    if (cmd.kind === 'send' && cmd.bare && cmd.suggestion && this.bareNoted !== cmd.suggestion) {
      this.bareNoted = cmd.suggestion;
      this.note(`sent as text: "${safe(cmd.text.trim().split(/\s+/, 1)[0])}" is not a command (did you mean ${cmd.suggestion}?)`);
    }
    if (t.kind === 'browser') return this.browserExec(t, cmd);
    return this.puppetExec(t, cmd);
  }

  private help(topic: string | null): void {
    const list = topic ? COMMANDS.filter((c) => c.name === topic) : COMMANDS;
    for (const c of list) {
      this.write(`  ${C.cyan}${c.usage}${C.reset}`);
      this.write(`      ${c.about}${c.puppet ? ` ${C.yellow}(puppet only)${C.reset}` : ''}`);
    }
    if (!topic) this.write(`${C.dim}  The browser WebSocket API cannot send ping/pong or set headers: connect with --puppet (or -H) for those.${C.reset}`);
  }

  private async leave(): Promise<void> {
    const t = this.target;
    this.target = null;
    if (!t) return;
    if (t.kind === 'browser') {
      t.unsubscribe();
      if (t.client.readyState !== null && t.client.readyState < 2) t.client.disconnect();
    } else if (this.puppetMayLive(t)) await deletePuppet(t.id);
  }

  /**
   * Whether a puppet may still exist on the server. The server forgets a puppet once its
   * connection closes, so after /close (or a close the store has seen) a DELETE would only get 404.
   */
  private puppetMayLive(t: Extract<Target, { kind: 'puppet' }>): boolean {
    if (t.closing) return false;
    return !(t.conn && this.deps.store.conns.get(t.conn)?.close);
  }

  private async connectBrowser(cmd: Extract<Command, { kind: 'connect' }>): Promise<void> {
    await this.leave();
    const session = newSessionId('term');
    const resolved = labUrl(cmd.url, this.deps.origin, session);
    if ('error' in resolved) {
      this.error(resolved.error);
      return;
    }
    const client = new BrowserClient();
    this.browserLogSeen = 0;
    let lastTransitions = 0;
    const unsubscribe = client.subscribe(() => {
      const t = this.target;
      if (!t || t.kind !== 'browser' || t.client !== client) return;
      for (const tr of client.transitions.slice(lastTransitions)) {
        if (tr.to === null) this.write(`${C.red}* ${safe(tr.cause)}${C.reset}`);
        else this.write(`${C.dim}* readyState ${tr.from === null ? '' : `${tr.from} → `}${tr.to} ${STATE_NAMES[tr.to]}: ${safe(tr.cause)}${C.reset}`);
      }
      lastTransitions = client.transitions.length;
      for (const entry of client.log.slice(this.browserLogSeen)) {
        if (entry.kind === 'received') {
          this.write(entry.data === 'text' ? `${C.green}<${C.reset} ${safe(entry.text ?? '')}` : `${C.green}<${C.reset} ${C.magenta}[binary ${entry.bytes} B]${C.reset} ${entry.hex}`);
        } else if (entry.kind === 'error') this.error(`${entry.name}: ${entry.message}`);
        else if (entry.kind === 'note') this.note(safe(entry.message));
      }
      this.browserLogSeen = client.log.length;
    });
    const target: Target = { kind: 'browser', client, url: resolved.url, conn: null, unsubscribe };
    this.target = target;
    this.write(`${C.dim}connecting to ${safe(resolved.url)}${cmd.protocols.length ? ` with subprotocols ${cmd.protocols.join(', ')}` : ''} (browser WebSocket)${C.reset}`);
    const outcome = client.connect(resolved.url, cmd.protocols, resolved.session);
    if (!outcome.ok) return;
    const item = this.own.add('terminal', `terminal → ${new URL(resolved.url).pathname}`, { session: resolved.session });
    void this.own.connOf(item).then((conn) => {
      if (this.target === target && conn) target.conn = conn;
    });
  }

  private async connectPuppet(cmd: Extract<Command, { kind: 'connect' }>): Promise<void> {
    await this.leave();
    let url: URL;
    try {
      url = new URL(cmd.url, this.deps.origin);
    } catch {
      this.error(`"${cmd.url}" is not a URL`);
      return;
    }
    const here = new URL(this.deps.origin);
    if (url.host !== here.host) {
      this.error(`a puppet client connects only to this server's labs (${here.host}); use a path like /lab/echo`);
      return;
    }
    const path = url.pathname + url.search;
    const headers = Object.fromEntries(cmd.headers);
    this.write(
      `${C.dim}asking the server to connect a puppet client to ${safe(path)}${cmd.headers.length ? ` with ${cmd.headers.map(([n]) => n).join(', ')}` : ''}${cmd.autoPong ? '' : ', automatic pongs off'}…${C.reset}`,
    );
    const res = await createPuppet({ path, protocols: cmd.protocols, headers, autoPong: cmd.autoPong });
    if (!res.ok) {
      this.error(res.error);
      return;
    }
    const info = res.value;
    this.target = { kind: 'puppet', id: info.id, path, conn: info.conn, closing: false };
    this.own.add('terminal', `terminal puppet ${info.id} → ${path}`, { conn: info.conn });
    this.write(`${C.green}connected${C.reset}: puppet ${info.id} is ${info.conn ?? 'a connection'} on the server (readyState ${info.readyState} ${STATE_NAMES[info.readyState] ?? ''})`);
  }

  private browserExec(t: Extract<Target, { kind: 'browser' }>, cmd: Command): void {
    const client = t.client;
    switch (cmd.kind) {
      case 'send':
      case 'json':
        client.send({ kind: 'text', text: cmd.text });
        return;
      case 'binary':
        client.send({ kind: 'binary', bytes: cmd.bytes });
        return;
      case 'ping':
      case 'pong':
      case 'pause':
      case 'resume':
      case 'autopong':
        this.error(
          cmd.kind === 'ping' || cmd.kind === 'pong'
            ? `the browser WebSocket API has no ${cmd.kind}(): browsers answer pings by themselves and never let a page send control frames.`
            : 'the browser WebSocket API cannot pause reading or switch automatic pongs off.',
        );
        this.write(`${C.yellow}  try: connect ${safe(new URL(t.url).pathname)} --puppet${C.reset}  (a client the server runs for you, which can)`);
        return;
      case 'close':
        if (cmd.code === null) client.disconnect();
        else client.disconnect(cmd.code, cmd.reason);
        return;
    }
  }

  private async puppetExec(t: Extract<Target, { kind: 'puppet' }>, cmd: Command): Promise<void> {
    let action: PuppetAction;
    let body: Record<string, unknown> = {};
    switch (cmd.kind) {
      case 'send':
        action = 'send';
        body = { text: cmd.text };
        break;
      case 'json':
        action = 'send';
        body = { text: cmd.text };
        break;
      case 'binary':
        action = 'send';
        body = { hex: toHex(cmd.bytes) };
        break;
      case 'ping':
      case 'pong':
        action = cmd.kind;
        body = cmd.data ? { text: cmd.data } : {};
        break;
      case 'close':
        action = 'close';
        body = cmd.code === null ? {} : { code: cmd.code, reason: cmd.reason };
        break;
      case 'pause':
      case 'resume':
        action = cmd.kind;
        break;
      case 'autopong':
        action = 'autopong';
        body = { enabled: cmd.enabled };
        break;
      default:
        return;
    }
    if (t.closing) {
      this.error(`puppet ${t.id} was closed; connect again to open a new one`);
      return;
    }
    if (action === 'close') t.closing = true;
    const res = await puppetAction(t.id, action, body);
    if (!res.ok) {
      this.error(res.error);
      return;
    }
    if (action === 'pause') this.note('reading paused: messages wait in the socket; the server’s send buffer will grow');
    if (action === 'resume') this.note('reading again');
    if (action === 'autopong') this.note(`automatic pongs ${res.value.autoPong ? 'on' : 'off'}`);
  }

  private state(): void {
    const t = this.target;
    if (!t) {
      this.write('not connected');
      return;
    }
    const rs = this.readyState();
    this.write(`readyState ${rs ?? '-'} ${rs === null ? '' : STATE_NAMES[rs] ?? ''} · ${t.kind === 'browser' ? `browser WebSocket ${safe(t.url)}` : `puppet ${t.id} ${safe(t.path)}`}${t.conn ? ` · server conn ${t.conn}` : ''}`);
    if (t.kind === 'browser') {
      for (const tr of t.client.transitions) {
        this.write(`  ${(tr.at / 1000).toFixed(3).padStart(8)} s  ${tr.to === null ? 'event      ' : `${tr.from ?? '·'} → ${tr.to}      `} ${safe(tr.cause)}`);
      }
    } else if (t.conn) {
      for (const s of this.deps.store.conns.get(t.conn)?.states ?? []) {
        this.write(`  ${(s.t / 1000).toFixed(3).padStart(8)} s  ${s.side.padEnd(6)} ${s.from ?? '·'} → ${s.to}  ${safe(s.cause)}`);
      }
    }
  }

  private frames(count: number): void {
    const conn = this.target?.conn;
    if (!conn) {
      this.error(this.target ? 'the server has not reported this connection yet' : 'not connected');
      return;
    }
    const frames: FrameEvent[] = [];
    const all = this.deps.store.frames;
    for (let i = all.length - 1; i >= 0 && frames.length < count; i--) if (all[i].conn === conn) frames.unshift(all[i]);
    if (!frames.length) {
      this.write('no frames yet');
      return;
    }
    for (const f of frames) {
      const arrow = f.dir === 'c2s' ? `${C.blue}→${C.reset}` : `${C.green}←${C.reset}`;
      this.write(`${C.dim}#${f.seq}${C.reset} ${arrow} ${f.opcodeName.toUpperCase().padEnd(6)} ${String(f.payloadLength).padStart(5)} B  ${C.cyan}${spaced(f.headerHex)}${C.reset} ${spaced(f.payloadHex)}${f.truncated ? ' …' : ''}`);
    }
    this.write(`${C.dim}  header in cyan (as sent), then the payload (unmasked)${C.reset}`);
  }

  /** Prints the frames the store received for the current connection that the page cannot see otherwise. */
  private onStore(): void {
    const t = this.target;
    const all = this.deps.store.frames;
    const events = this.deps.store.events;
    const fresh: FrameEvent[] = [];
    for (let i = all.length - 1; i >= 0 && all[i].seq > this.seenSeq; i--) fresh.unshift(all[i]);
    const conn = t?.conn;
    if (conn) {
      for (const f of fresh) {
        if (f.conn !== conn) continue;
        if (f.opcode >= 8) this.write(controlLine(f));
        else if (t.kind === 'puppet' && f.dir === 's2c') {
          this.write(f.text !== null ? `${C.green}<${C.reset} ${safe(f.text)}${f.truncated ? ' …' : ''}` : `${C.green}<${C.reset} ${C.magenta}[${f.opcodeName.toLowerCase()} ${f.payloadLength} B]${C.reset} ${spaced(f.payloadHex)}`);
        }
      }
      if (t.kind === 'puppet' && !this.closeShown.has(conn)) {
        for (let i = events.length - 1; i >= 0 && events[i].seq > this.seenSeq; i--) {
          const e = events[i];
          if (e.type === 'close' && e.conn === conn) {
            this.closeShown.add(conn);
            this.write(closeLine(e));
            break;
          }
        }
      }
    }
    this.seenSeq = Math.max(this.seenSeq, lastFlushedSeq(this.deps.store));
  }
}

/** The seq of the newest event the store has applied (lastSeq may include events still pending). */
function lastFlushedSeq(store: EventStore): number {
  const events = store.events;
  const frames = store.frames;
  return Math.max(events.length ? events[events.length - 1].seq : 0, frames.length ? frames[frames.length - 1].seq : 0);
}

function spaced(hex: string): string {
  return hex.replace(/(..)(?=.)/g, '$1 ');
}

function controlLine(f: FrameEvent): string {
  const arrow = f.dir === 's2c' ? `${C.magenta}«${C.reset}` : `${C.blue}»${C.reset}`;
  const who = f.dir === 's2c' ? 'from the server' : 'from this client';
  let body = '';
  if (f.opcode === 8) body = f.closeCode !== null ? ` ${f.closeCode}${f.closeReason ? ` '${safe(f.closeReason)}'` : ''}` : ' (no code)';
  else if (f.payloadLength) body = f.text !== null ? ` '${safe(f.text)}'` : ` ${spaced(f.payloadHex)}`;
  return `${arrow} ${C.bold}${f.opcodeName.toUpperCase()}${C.reset} [${f.payloadLength} B]${body} ${C.dim}${who}${C.reset}`;
}

function closeLine(e: EventOf<'close'>): string {
  return `${C.yellow}* closed${C.reset}: code ${e.code ?? 'none'}${e.reason ? ` '${safe(e.reason)}'` : ''}, started by ${e.initiator}, ${e.clean ? 'clean' : 'not clean'}`;
}
