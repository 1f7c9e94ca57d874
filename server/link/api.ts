// The chaos link's server side: lab URLs with ?link=TAG go through it (handleUpgrade), and its
// conditions are read and changed over HTTP (routes).
//
//   GET  /__wslab/link                       defaults and live link connections (first 500)
//   POST /__wslab/link   {conditions}         change the defaults and every live link connection
//   POST /__wslab/link   {link|tag|conn, conditions}   change the selected connections only
//   POST /__wslab/link/reset {link|tag|conn}? RST both ways (all when no selector)
import { OPEN_ROOM, OPEN_SESSIONS, type RoomGuard, type SessionGuard, type Target } from '../http/presenter-guard.ts';
import { requestOwner } from '../http/session.ts';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { EventBus } from '../stream/bus.ts';
import { captureFor } from '../connection/tap/capture.ts';
import { refuse } from '../http/refuse.ts';
import { HttpError, readJsonObject, sendJson } from '../http/json.ts';
import { ChaosLink, LinkError, type LinkConnection, type LinkSelector } from './link.ts';
import { parseConditionChange } from '../core/api/link.ts';
import type { Route } from '../http/routes.ts';
import type { FdBudget } from '../process/limits.ts';

const TAG_RE = /^[A-Za-z0-9_-]{1,64}$/;
const LAB_PATH_RE = /^\/lab\/[a-z0-9-]+(?:\/[a-z0-9-]+)?\/?$/;

export interface LinkApiOptions {
  bus: EventBus;
  /** in a workshop: refuses calls that change every link connection (http/presenter-guard.ts) */
  roomGuard?: RoomGuard;
  /** in a workshop: refuses calls that would change another session's connections (http/presenter-guard.ts) */
  sessionGuard?: SessionGuard;
  /** the server's connection caps and descriptor budget (server/process/limits.ts) */
  budget?: FdBudget;
  /** this server's address, known once it listens */
  target: () => { host: string; port: number };
  /** paths besides the labs' that take ?link= (`wslab proxy`: every proxied path) */
  otherPaths?: (path: string) => boolean;
}

/** The target without its link parameter: /lab/echo?link=x&a=1 → /lab/echo?a=1. */
export function stripLinkParam(target: string): string {
  const q = target.indexOf('?');
  if (q < 0) return target;
  const kept = target
    .slice(q + 1)
    .split('&')
    .filter((p) => p !== '' && !/^link(=|$)/.test(p));
  return target.slice(0, q) + (kept.length ? `?${kept.join('&')}` : '');
}

function selector(b: Record<string, unknown>): LinkSelector | null {
  const sel: LinkSelector = {};
  for (const key of ['link', 'tag', 'conn'] as const) {
    const v = b[key];
    if (v === undefined) continue;
    if (typeof v !== 'string' || !TAG_RE.test(v)) throw new HttpError(400, `${key} must be an id like "L3", "c12" or a tag of letters, digits, _ and -`);
    sel[key] = v;
  }
  return Object.keys(sel).length ? sel : null;
}

export function describeLink(lc: LinkConnection) {
  return {
    link: lc.id,
    conn: lc.conn,
    tag: lc.tag,
    path: lc.path,
    conditions: lc.conditions,
    counters: lc.counters(),
    clientClosed: lc.clientClosed,
    serverClosed: lc.serverClosed,
  };
}

export function createLinkApi(options: LinkApiOptions) {
  const { bus } = options;
  const roomGuard = options.roomGuard ?? OPEN_ROOM;
  const sessionGuard = options.sessionGuard ?? OPEN_SESSIONS;
  const linkTargets = (chosen: readonly LinkConnection[]): Target[] => chosen.map((lc) => ({ id: `link connection ${lc.id}${lc.conn ? ` (${lc.conn})` : ''}`, owner: lc.owner }));
  const budget = options.budget;
  const link = new ChaosLink({ bus, target: options.target, maxConnections: budget?.limits.caps.linkConnections, admit: budget && (() => budget.check('linkConnections')) });

  /** Lab URLs with ?link=TAG: hand the socket to the chaos link. Returns false for everything else. */
  function handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): boolean {
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    if (q < 0 || !/(^|&)link(=|&|$)/.test(target.slice(q + 1))) return false;
    if (!LAB_PATH_RE.test(target.slice(0, q)) && !options.otherPaths?.(target.slice(0, q))) return false;
    socket.on('error', () => {});
    const tag = new URLSearchParams(target.slice(q + 1)).get('link') || 'link';
    const capture = captureFor(socket);
    const requestLine = `${req.method} ${target} HTTP/${req.httpVersion}`;
    const raw = capture ? capture.takeRequest(requestLine, head) : null;
    if (!TAG_RE.test(tag)) {
      refuse(socket, 400, 'link=TAG must be 1 to 64 letters, digits, _ or -.');
      return true;
    }
    const path = stripLinkParam(target);
    let request: Buffer;
    if (raw && raw.length) {
      // the request exactly as the client sent it, with the link parameter taken out of its target
      const lineEnd = raw.indexOf('\r\n');
      request = Buffer.concat([Buffer.from(`${req.method} ${path} HTTP/${req.httpVersion}`, 'latin1'), raw.subarray(lineEnd), head]);
    } else {
      const lines = [`${req.method} ${path} HTTP/${req.httpVersion}`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      request = Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'), head]);
    }
    try {
      // Simulated clients are quiet (there may be thousands), except the backpressure lab's one
      // consumer (tag flowN): its page charts what the link forwards, from the link's stats events.
      link.attach(socket, request, { path, tag, owner: requestOwner(req), quiet: req.headers['x-wslab-client'] === 'sim' && !/^flow\d+$/.test(tag) });
    } catch (err) {
      refuse(socket, err instanceof LinkError ? err.status : 500, (err as Error).message);
    }
    return true;
  }

  const routes: Route[] = [
    {
      method: 'GET',
      path: '/__wslab/link',
      handle: ({ res }) => {
        const list = [...link.conns.values()];
        sendJson(res, 200, { defaults: link.defaults, count: list.length, connections: list.slice(0, 500).map(describeLink) });
      },
    },
    {
      method: 'POST',
      path: '/__wslab/link',
      handle: async ({ req, res }) => {
        const b = await readJsonObject(req);
        const sel = selector(b);
        if (!sel && !roomGuard(req, res, 'change the chaos link of every connection (give "conn", "link" or "tag" to change yours)')) return;
        const change = parseConditionChange(b);
        if (sel && !sessionGuard(req, res, linkTargets(link.select(sel)), 'change the chaos link')) return;
        const changed = link.configure(change, sel);
        if (sel && changed.length === 0) throw new HttpError(404, `no live link connection matches ${JSON.stringify(sel)}`);
        sendJson(res, 200, { ...(sel ? {} : { defaults: link.defaults }), changed: changed.length, connections: changed.slice(0, 500).map(describeLink) });
      },
    },
    {
      method: 'POST',
      path: '/__wslab/link/reset',
      handle: async ({ req, res }) => {
        const sel = selector(await readJsonObject(req));
        if (!sel && !roomGuard(req, res, 'reset every link connection (give "conn", "link" or "tag" to reset yours)')) return;
        if (sel && !sessionGuard(req, res, linkTargets(link.select(sel)), 'reset link connections')) return;
        const chosen = link.reset(sel);
        if (sel && chosen.length === 0) throw new HttpError(404, `no live link connection matches ${JSON.stringify(sel)}`);
        sendJson(res, 200, { reset: chosen.length, links: chosen.map((lc) => lc.id) });
      },
    },
  ];

  return { link, handleUpgrade, routes, close: () => link.close() };
}
