// How many connections of each kind the server accepts, sized from the open-file limit the process
// started with (RLIMIT_NOFILE, `ulimit -n`). Every socket is a file descriptor, and a process that
// runs out of them fails wherever it next needs one (an accept, a page's file, /proc for its own
// memory): the server refuses the next connection with 503 and a sentence well before that.
//
// What each kind costs in descriptors of this process:
//   lab connection          1   (the accepted socket)
//   observer                1
//   link connection         3   (the client's socket, the link's own upstream socket, and the lab
//                                connection it opens on this server)
//   simulated client        4   (the client's socket, then a link connection: 3)
//   puppet                  2   (the puppet's socket and its lab connection)
// A share of the limit (RESERVE) stays free for everything else: the listening sockets, the chat
// nodes and their broker, HTTP requests and the page files they read.
import { readFileSync } from 'node:fs';

export interface Caps {
  labConnections: number;
  observers: number;
  linkConnections: number;
  simClients: number;
  puppets: number;
}

export type CapKind = keyof Caps;

/** Descriptors one connection of each kind holds in this process. */
export const FDS_PER: Readonly<Caps> = { labConnections: 1, observers: 1, linkConnections: 3, simClients: 4, puppets: 2 };

const WHAT: Readonly<Record<CapKind, [one: string, many: string]>> = {
  labConnections: ['lab connection', 'lab connections'],
  observers: ['event-stream observer', 'event-stream observers'],
  linkConnections: ['chaos-link connection', 'chaos-link connections'],
  simClients: ['simulated client', 'simulated clients'],
  puppets: ['puppet client', 'puppet clients'],
};

/** Descriptors kept free for everything that is not a counted connection. */
export function reserveFor(fdLimit: number): number {
  return Math.max(128, Math.ceil(fdLimit * 0.1));
}

/**
 * The soft "Max open files" limit from the text of /proc/self/limits; null when the line is
 * missing, unparsable or "unlimited".
 */
export function parseOpenFileLimit(text: string): number | null {
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
  if (!m || !/^\d+$/.test(m[1])) return null;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

/** This process's open-file limit, or null when it cannot be read (not Linux, no /proc). */
export function readOpenFileLimit(read: () => string = () => readFileSync('/proc/self/limits', 'latin1')): number | null {
  try {
    return parseOpenFileLimit(read());
  } catch {
    return null;
  }
}

export interface Limits {
  /** the open-file limit the caps were sized from; null: unknown, the defaults apply */
  fdLimit: number | null;
  /** descriptors counted connections may hold together (fdLimit less the reserve); Infinity when unknown */
  usable: number;
  caps: Caps;
  defaults: Caps;
  /** the kinds whose cap is below its default because of the open-file limit */
  reduced: CapKind[];
}

/** The caps: each kind's default, lowered to what the open-file limit leaves room for. */
export function computeLimits(fdLimit: number | null, defaults: Caps): Limits {
  if (fdLimit === null) return { fdLimit, usable: Infinity, caps: { ...defaults }, defaults: { ...defaults }, reduced: [] };
  const usable = Math.max(0, fdLimit - reserveFor(fdLimit));
  const caps = { ...defaults };
  const reduced: CapKind[] = [];
  for (const kind of Object.keys(defaults) as CapKind[]) {
    const fit = Math.floor(usable / FDS_PER[kind]);
    if (fit < defaults[kind]) {
      caps[kind] = fit;
      reduced.push(kind);
    }
  }
  return { fdLimit, usable, caps, defaults: { ...defaults }, reduced };
}

/** The sentence that tells how to give the server more descriptors. */
function howToRaise(fdLimit: number): string {
  const more = Math.max(65_536, fdLimit * 4);
  return `this process may open ${fdLimit} files (ulimit -n); raise the limit with \`ulimit -n ${more}\` in the shell that runs wslab, then restart it`;
}

/** "lab connections 896 (default 10000)", one per reduced cap: what `wslab start` prints. */
export function describeReduced(limits: Limits): string[] {
  return limits.reduced.map((k) => `${WHAT[k][1]} ${limits.caps[k]} (default ${limits.defaults[k]})`);
}

/**
 * Admission for new connections: each kind against its cap, and all of them together against the
 * descriptors the open-file limit leaves. Returns null (admit) or the refusal sentence.
 */
export class FdBudget {
  constructor(
    readonly limits: Limits,
    /** how many connections of each kind are open right now */
    private readonly count: { [K in CapKind]?: () => number },
  ) {}

  /** Descriptors the counted connections hold now. */
  inUse(): number {
    let n = 0;
    for (const kind of Object.keys(FDS_PER) as CapKind[]) {
      const c = this.count[kind];
      if (!c) continue;
      // a link connection's lab side is already a lab connection, a simulated client's link side a
      // link connection, a puppet's lab side a lab connection: count each descriptor once
      n += c() * (kind === 'linkConnections' ? 2 : 1);
    }
    return n;
  }

  /** null when `n` more connections of `kind` fit, else the sentence to refuse with. */
  check(kind: CapKind, n = 1): string | null {
    const { caps, fdLimit, usable } = this.limits;
    const now = this.count[kind]?.() ?? 0;
    const [one, many] = WHAT[kind];
    if (now + n > caps[kind]) {
      const what = n === 1 ? `another ${one}` : `${n} more ${many}`;
      const base = `The server is at its limit of ${caps[kind]} ${many} (${now} open), so it refuses ${what}`;
      if (fdLimit !== null && this.limits.reduced.includes(kind)) return `${base}: ${howToRaise(fdLimit)}.`;
      return `${base}.`;
    }
    if (fdLimit !== null && this.inUse() + n * FDS_PER[kind] > usable) {
      return `The server has no file descriptors to spare for ${n === 1 ? `another ${one}` : `${n} more ${many}`} (${this.inUse()} of the ${usable} it keeps for connections are in use): ${howToRaise(fdLimit)}.`;
    }
    return null;
  }
}
