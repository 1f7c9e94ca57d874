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
  /**
   * The width, in px, the drawing must fit: message labels are then cut so that the widest gap
   * between two lifelines fits it (their full text stays in `titles`). Overrides `maxLabel`.
   */
  fitWidth?: number;
}

/** Mermaid's sequence layout as wslab configures it (web/src/diagram/mermaid.ts), in px. */
export const LAYOUT = {
  /** an actor box's width */
  actorWidth: 120,
  /** a message label's average character width at 15 px */
  charPx: 8,
  /** padding mermaid adds around a message label, and the drawing's own margins */
  padding: 60,
  /** labels are never cut shorter than this */
  minLabel: 14,
};

/**
 * The longest label, in characters, that keeps a drawing of `participants` lifelines within
 * `width` px: the lifelines share the width, and each gap must hold one label.
 */
export function labelFit(width: number, participants: number): number {
  const gaps = Math.max(1, participants - 1);
  const perGap = (width - LAYOUT.actorWidth - LAYOUT.padding) / gaps;
  return Math.max(LAYOUT.minLabel, Math.floor(perGap / LAYOUT.charPx));
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
  /** for the n-th message arrow, its label in full (plain text, control characters as dots), for a tooltip */
  titles: string[];
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

/** Untrusted text for a tooltip (set as text, never parsed): one line, control characters as dots, bounded. */
export function plainTitle(text: string, max = 400): string {
  let out = '';
  let n = 0;
  for (const ch of text) {
    if (n++ >= max) return out + '…';
    const code = ch.codePointAt(0)!;
    out += code < 0x20 || (code >= 0x7f && code < 0xa0) ? '·' : ch;
  }
  return out;
}

function frameText(e: Extract<WslabEvent, { type: 'frame' }>): string {
  const bits = [e.opcodeName.toUpperCase()];
  if (!e.fin) bits.push('FIN=0');
  if (e.rsv1) bits.push('RSV1');
  if (e.masked) bits.push('masked');
  let body = '';
  if (e.closeCode !== null) body = ` ${e.closeCode}${e.closeReason ? ` ${e.closeReason}` : ''}`;
  else if (e.inflated !== null) body = ` "${e.inflated}"`;
  else if (e.text !== null && e.text !== '') body = ` "${e.text}"`;
  return `${bits.join(' ')} [${e.payloadLength} B]${body}`;
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
    case 'fanout':
      return e.hop !== 'deliver' || (e.count ?? 0) > 0;
    case 'link':
      return e.action === 'drop' || e.action === 'reset' || e.action === 'config';
    case 'broker':
      return e.status !== 'up' || e.detail !== '';
    case 'node':
      return e.action !== 'start';
    default:
      return false;
  }
}

/** Who is who: which server node a connection reached, and which link connection it goes through. */
interface Topology {
  nodeOfConn: Map<string, string>;
  linkOfConn: Map<string, string>;
  kinds: Map<string, string>;
  broker: string | null;
}

function topology(events: readonly WslabEvent[]): Topology {
  const nodeByPort = new Map<number, string>();
  const nodeOfConn = new Map<string, string>();
  const linkOfConn = new Map<string, string>();
  const kinds = new Map<string, string>();
  let broker: string | null = null;
  for (const e of events) {
    if (e.type === 'node') nodeByPort.set(e.port, e.node);
    else if (e.type === 'broker') broker = e.broker;
    else if (e.type === 'conn.open') {
      kinds.set(e.conn, e.client);
      const node = nodeByPort.get(e.local.port);
      if (node !== undefined) nodeOfConn.set(e.conn, node);
    } else if (e.type === 'link' && e.conn !== undefined && e.link !== '*') linkOfConn.set(e.conn, e.link);
  }
  return { nodeOfConn, linkOfConn, kinds, broker };
}

const ident = (prefix: string, name: string) => prefix + name.replace(/[^A-Za-z0-9]/g, '_');

export function buildSequenceDiagram(events: readonly WslabEvent[], options: DiagramOptions = {}): Diagram {
  const window = options.window ?? 60;
  let max = options.maxLabel ?? 48;
  let maxNote = options.maxNote ?? 32;
  const server = 'S';
  const broker = 'B';
  const shown = events.filter(drawable);
  const start = Math.max(0, shown.length - window);
  const slice = shown.slice(start);
  const topo = topology(events);

  // The server side of a connection: the main server, or the fan-out node it reached.
  const serverOf = (conn: string) => {
    const node = topo.nodeOfConn.get(conn);
    return node === undefined ? server : ident('N_', node);
  };

  // Participants in order of first appearance within each role.
  const clients: string[] = [];
  const links: string[] = [];
  const nodes: string[] = [];
  let usesServer = false;
  let usesBroker = false;
  const addNode = (node: string) => !nodes.includes(node) && nodes.push(node);
  for (const e of slice) {
    const conn = 'conn' in e ? e.conn : undefined;
    if (e.type === 'fanout' || e.type === 'broker' || e.type === 'node') {
      addNode(e.node);
      if (e.type !== 'node') usesBroker = true;
      if (e.type === 'fanout' && conn !== undefined && !clients.includes(conn) && e.hop === 'publish') clients.push(conn);
      continue;
    }
    if (e.type === 'link') {
      if (!links.includes(e.link)) links.push(e.link);
      if (e.link === '*') continue;
    }
    if (conn === undefined) continue;
    if (!clients.includes(conn)) clients.push(conn);
    const link = topo.linkOfConn.get(conn);
    if (link !== undefined && !links.includes(link)) links.push(link);
    const node = topo.nodeOfConn.get(conn);
    if (node === undefined) usesServer = true;
    else addNode(node);
  }

  if (options.fitWidth !== undefined) {
    const extraCount = options.extraParticipants?.length ?? 0;
    const count = clients.length + links.length + (usesServer || nodes.length === 0 ? 1 : 0) + nodes.length + (usesBroker ? 1 : 0) + extraCount;
    max = labelFit(options.fitWidth, count);
    // a note beside a lifeline widens the drawing as much as a label between two
    maxNote = Math.min(maxNote, max);
  }

  const lines = ['sequenceDiagram'];
  for (const conn of clients) {
    const kind = topo.kinds.get(conn);
    lines.push(`  participant ${participantId(conn)} as ${escapeLabel(`Client ${conn}${kind ? ` (${kind})` : ''}`, 40)}`);
  }
  const extra = options.extraParticipants ?? [];
  const declare = (p: Participant) => lines.push(`  participant P_${p.id.replace(/[^A-Za-z0-9_]/g, '_')} as ${escapeLabel(p.name, 40)}`);
  for (const p of extra) if (p.role === 'link') declare(p);
  for (const link of links) lines.push(`  participant ${ident('L_', link)} as ${escapeLabel(link === '*' ? 'Chaos link (all)' : `Chaos link ${link}`, 40)}`);
  if (usesServer || nodes.length === 0) lines.push(`  participant ${server} as ${escapeLabel(options.serverName ?? 'Server', 40)}`);
  for (const node of nodes) lines.push(`  participant ${ident('N_', node)} as ${escapeLabel(`Node ${node}`, 40)}`);
  for (const p of extra) if (p.role === 'node') declare(p);
  if (usesBroker) lines.push(`  participant ${broker} as ${escapeLabel(`Broker${topo.broker ? ` (${topo.broker})` : ''}`, 40)}`);
  for (const p of extra) if (p.role === 'broker') declare(p);

  const arrows: number[] = [];
  const titles: string[] = [];
  /** one message arrow: its line, the event it shows, and its label in full */
  const arrow = (from: string, kind: string, to: string, text: string, seq: number) => {
    lines.push(`  ${from}${kind}${to}: ${escapeLabel(text, max)}`);
    arrows.push(seq);
    titles.push(plainTitle(text));
  };
  for (const e of slice) {
    if (e.type === 'fanout') {
      const n = ident('N_', e.node);
      const what = `${e.kind ?? 'message'} ${e.topic}${e.msgId ? ` ${e.msgId}` : ''}`;
      if (e.hop === 'subscribe') arrow(n, '->>', broker, `SUBSCRIBE ${e.topic}`, e.seq);
      else if (e.hop === 'unsubscribe') arrow(n, '->>', broker, `UNSUBSCRIBE ${e.topic}`, e.seq);
      else if (e.hop === 'publish') arrow(n, '->>', broker, `PUBLISH ${what}`, e.seq);
      else if (e.hop === 'broker') arrow(broker, '->>', n, what, e.seq);
      else {
        // deliver, queue, dequeue, ack, drop, lost: what happened inside the node
        lines.push(`  Note over ${n}: ${escapeLabel(`${e.hop}${e.count !== null ? ` ${e.count}` : ''} ${e.topic}`, maxNote)}`);
      }
      continue;
    }
    if (e.type === 'broker') {
      lines.push(`  Note over ${broker}: ${escapeLabel(`${e.node}: broker ${e.status}${e.detail ? `, ${e.detail}` : ''}`, maxNote)}`);
      continue;
    }
    if (e.type === 'node') {
      lines.push(`  Note over ${ident('N_', e.node)}: ${escapeLabel(`node ${e.action}${e.detail ? `: ${e.detail}` : ''}`, maxNote)}`);
      continue;
    }
    if (e.type === 'link') {
      const l = ident('L_', e.link);
      const note =
        e.action === 'drop'
          ? `dropped ${e.frames?.length ? e.frames.map((f) => f.opcodeName).join(', ') : `${e.bytes ?? 0} B`} (${e.dir ?? ''})`
          : e.action === 'reset'
            ? 'reset (RST)'
            : `conditions: ${
                e.conditions
                  ? Object.entries(e.conditions).filter(([, v]) => v !== 0 && v !== false).map(([k, v]) => (v === true ? k : `${k} ${v}`)).join(', ') || 'none'
                  : 'changed'
              }`;
      lines.push(`  Note over ${l}: ${escapeLabel(note, maxNote)}`);
      continue;
    }
    const c = 'conn' in e && e.conn !== undefined ? participantId(e.conn) : null;
    if (!c) continue;
    const conn = (e as { conn: string }).conn;
    const srv = serverOf(conn);
    const link = topo.linkOfConn.get(conn);
    // Behind a chaos link, frames are drawn where the tap saw them: between the link and the server.
    const near = link !== undefined ? ident('L_', link) : c;
    switch (e.type) {
      case 'handshake':
        arrow(c, '->>', srv, `${e.request.method} ${shortTarget(e.request.target)} (Upgrade: websocket)`, e.seq);
        arrow(srv, '->>', c, `${e.response.status} ${e.response.statusText}`, e.seq);
        break;
      case 'frame': {
        const kind = e.opcode >= 8 ? '-)' : '->>';
        if (e.dir === 'c2s') arrow(near, kind, srv, frameText(e), e.seq);
        else arrow(srv, kind, near, frameText(e), e.seq);
        break;
      }
      case 'state':
        // the server's readyState sits beside the server, a client's (a puppet reports its own) beside
        // that client; both on the inner side of the lifeline, so notes never widen the drawing
        lines.push(
          e.side === 'client'
            ? `  Note right of ${c}: ${escapeLabel(`client ${STATE[e.to]}: ${e.cause}`, maxNote)}`
            : `  Note left of ${srv}: ${escapeLabel(`${e.conn} ${STATE[e.to]}: ${e.cause}`, maxNote)}`,
        );
        break;
      case 'heartbeat':
        lines.push(
          `  Note over ${c},${srv}: ${escapeLabel(e.action === 'terminate' ? `heartbeat: terminate after ${e.missed} missed pongs` : `heartbeat: pong missed (${e.missed}/${e.maxMisses})`, maxNote)}`,
        );
        break;
      case 'close':
        lines.push(
          `  Note over ${c},${srv}: ${escapeLabel(`closed ${e.code ?? 'without code'} by ${e.initiator}, ${e.clean ? 'clean' : 'not clean'}`, maxNote)}`,
        );
        break;
      case 'error':
        lines.push(`  Note over ${c},${srv}: ${escapeLabel(`error: ${e.violation ? `${e.violation.closeCode} at byte ${e.violation.offset}` : e.message}`, maxNote)}`);
        break;
    }
  }
  return { text: lines.join('\n') + '\n', arrows, titles, omitted: start };
}
