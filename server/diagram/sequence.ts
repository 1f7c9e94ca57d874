// Builds a mermaid sequenceDiagram from wslab events: events in, diagram text out. Pure (no DOM,
// no node:*), so the web app draws it and the tests check it.
//
// Untrusted text (payloads, close reasons, paths) never reaches mermaid as syntax: every label is
// reduced to a safe alphabet and everything else becomes a mermaid entity code (#NNN;), so no
// message can add a line, a directive (%%{init}), an arrow or markup to the diagram.
import type { WslabEvent } from '../events/schema.ts';

export interface DiagramOptions {
  /** keep only the last N drawable events (default 60) */
  window?: number;
  /** longest label, in characters, before it is cut with … (default 48) */
  maxLabel?: number;
  /** longest note, in characters (default 32): notes sit beside a lifeline, so they are kept short */
  maxNote?: number;
  /** the server's name in the diagram (default "Server") */
  serverName?: string;
  /**
   * Participants beyond the clients and the server: a chaos link between them, more server nodes,
   * a broker. They are drawn in role order — clients, links, the server, nodes, brokers — and are
   * ready for the events that will mention them.
   */
  extraParticipants?: readonly Participant[];
}

export interface Participant {
  /** a mermaid identifier: letters, digits and _ (anything else is replaced by _) */
  id: string;
  /** the visible name; escaped like any label */
  name: string;
  role: 'link' | 'node' | 'broker';
}

export interface Diagram {
  /** the mermaid source */
  text: string;
  /** for the n-th message arrow in the diagram (in drawing order), the seq of the event it shows */
  arrows: number[];
  /** how many drawable events fell outside the window */
  omitted: number;
}

const SAFE = /[A-Za-z0-9 .,_'/()[\]?!@=+*&^$~`|-]/;

/** Makes untrusted text safe inside a mermaid label: one line, no syntax, no markup. */
export function escapeLabel(text: string, max = 48): string {
  let out = '';
  let shown = 0;
  for (const ch of text) {
    if (shown >= max) {
      out += '…';
      break;
    }
    const code = ch.codePointAt(0)!;
    if (SAFE.test(ch)) out += ch;
    else if (code < 0x20 || (code >= 0x7f && code < 0xa0)) out += '·'; // control characters: a visible dot
    else out += `#${code};`;
    shown++;
  }
  return out;
}

/** Participant ids must be identifiers; the visible name is an escaped alias. */
function participantId(conn: string): string {
  return 'C_' + conn.replace(/[^A-Za-z0-9]/g, '_');
}

const STATE = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'];

function frameLabel(e: Extract<WslabEvent, { type: 'frame' }>, max: number): string {
  const bits = [e.opcodeName.toUpperCase()];
  if (!e.fin) bits.push('FIN=0');
  if (e.rsv1) bits.push('RSV1');
  if (e.masked) bits.push('masked');
  let body = '';
  if (e.closeCode !== null) body = ` ${e.closeCode}${e.closeReason ? ` ${e.closeReason}` : ''}`;
  else if (e.inflated !== null) body = ` "${e.inflated}"`;
  else if (e.text !== null && e.text !== '') body = ` "${e.text}"`;
  return escapeLabel(`${bits.join(' ')} [${e.payloadLength} B]${body}`, max);
}

/**
 * The request target as the diagram shows it: without the `session` parameter, an id the pages
 * add to find their own connection, which would only crowd the arrow.
 */
export function shortTarget(target: string): string {
  const q = target.indexOf('?');
  if (q < 0) return target;
  const kept = target
    .slice(q + 1)
    .split('&')
    .filter((p) => p !== '' && !/^session=/.test(p));
  return target.slice(0, q) + (kept.length ? `?${kept.join('&')}` : '');
}

/** Whether an event becomes part of the diagram. */
function drawable(e: WslabEvent): boolean {
  switch (e.type) {
    case 'handshake':
    case 'frame':
    case 'close':
    case 'state':
      return true;
    case 'heartbeat':
      return e.action === 'miss' || e.action === 'terminate';
    case 'error':
      return e.conn !== undefined;
    default:
      return false;
  }
}

export function buildSequenceDiagram(events: readonly WslabEvent[], options: DiagramOptions = {}): Diagram {
  const window = options.window ?? 60;
  const max = options.maxLabel ?? 48;
  const maxNote = options.maxNote ?? 32;
  const server = 'S';
  const shown = events.filter(drawable);
  const start = Math.max(0, shown.length - window);
  const slice = shown.slice(start);

  // Clients in order of first appearance; their names come from conn.open when we saw it.
  const kinds = new Map<string, string>();
  for (const e of events) if (e.type === 'conn.open') kinds.set(e.conn, e.client);
  const clients: string[] = [];
  for (const e of slice) {
    const conn = 'conn' in e ? e.conn : undefined;
    if (conn !== undefined && !clients.includes(conn)) clients.push(conn);
  }

  const lines = ['sequenceDiagram'];
  for (const conn of clients) {
    const kind = kinds.get(conn);
    lines.push(`  participant ${participantId(conn)} as ${escapeLabel(`Client ${conn}${kind ? ` (${kind})` : ''}`, 40)}`);
  }
  const extra = options.extraParticipants ?? [];
  const declare = (p: Participant) => lines.push(`  participant P_${p.id.replace(/[^A-Za-z0-9_]/g, '_')} as ${escapeLabel(p.name, 40)}`);
  for (const p of extra) if (p.role === 'link') declare(p);
  lines.push(`  participant ${server} as ${escapeLabel(options.serverName ?? 'Server', 40)}`);
  for (const p of extra) if (p.role === 'node') declare(p);
  for (const p of extra) if (p.role === 'broker') declare(p);

  const arrows: number[] = [];
  for (const e of slice) {
    const c = 'conn' in e && e.conn !== undefined ? participantId(e.conn) : null;
    if (!c) continue;
    switch (e.type) {
      case 'handshake':
        lines.push(`  ${c}->>${server}: ${escapeLabel(`${e.request.method} ${shortTarget(e.request.target)} (Upgrade: websocket)`, max)}`);
        arrows.push(e.seq);
        lines.push(`  ${server}->>${c}: ${escapeLabel(`${e.response.status} ${e.response.statusText}`, max)}`);
        arrows.push(e.seq);
        break;
      case 'frame': {
        const arrow = e.opcode >= 8 ? '-)' : '->>';
        lines.push(e.dir === 'c2s' ? `  ${c}${arrow}${server}: ${frameLabel(e, max)}` : `  ${server}${arrow}${c}: ${frameLabel(e, max)}`);
        arrows.push(e.seq);
        break;
      }
      case 'state':
        // the server's readyState sits beside the server, a client's (a puppet reports its own) beside
        // that client; both on the inner side of the lifeline, so notes never widen the drawing
        lines.push(
          e.side === 'client'
            ? `  Note right of ${c}: ${escapeLabel(`client ${STATE[e.to]}: ${e.cause}`, maxNote)}`
            : `  Note left of ${server}: ${escapeLabel(`${e.conn} ${STATE[e.to]}: ${e.cause}`, maxNote)}`,
        );
        break;
      case 'heartbeat':
        lines.push(
          `  Note over ${c},${server}: ${escapeLabel(e.action === 'terminate' ? `heartbeat: terminate after ${e.missed} missed pongs` : `heartbeat: pong missed (${e.missed}/${e.maxMisses})`, maxNote)}`,
        );
        break;
      case 'close':
        lines.push(
          `  Note over ${c},${server}: ${escapeLabel(`closed ${e.code ?? 'without code'} by ${e.initiator}, ${e.clean ? 'clean' : 'not clean'}`, maxNote)}`,
        );
        break;
      case 'error':
        lines.push(`  Note over ${c},${server}: ${escapeLabel(`error: ${e.violation ? `${e.violation.closeCode} at byte ${e.violation.offset}` : e.message}`, maxNote)}`);
        break;
    }
  }
  return { text: lines.join('\n') + '\n', arrows, omitted: start };
}
