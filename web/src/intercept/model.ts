// What the Intercept panel shows: rules in words, proxied connections with their mode, and the
// request a rule form makes. Pure: the panel and its tests share it.
import type { InterceptRule, ProxiedConnection } from '../../../server/core/api/intercept.ts';

export type ProxiedConn = ProxiedConnection;

export interface RuleForm {
  dir: 'c2s' | 's2c';
  match: string;
  action: 'drop' | 'replace' | 'delay' | 'hold';
  with: string;
  ms: string;
  opcode: '' | '1' | '2';
  hex: boolean;
}

export const EMPTY_RULE: RuleForm = { dir: 'c2s', match: '', action: 'hold', with: '', ms: '1000', opcode: '', hex: false };

const DIR_WORDS = { c2s: 'client → upstream', s2c: 'upstream → client' } as const;

export function dirWords(dir: 'c2s' | 's2c'): string {
  return DIR_WORDS[dir];
}

/** "hold client → upstream text messages matching /^buy/" */
export function describeRule(r: InterceptRule): string {
  const kind = r.opcode === 1 ? 'text messages' : r.opcode === 2 ? 'binary messages' : 'messages';
  const what = r.match ? `${kind} matching /${r.match}/${r.hex ? ' (on their hex)' : ''}` : `all ${kind}`;
  const action =
    r.action === 'replace' ? (r.hex ? `replace with hex ${r.with}` : `replace each match with "${r.with}"`) : r.action === 'delay' ? `delay ${r.ms} ms` : r.action;
  return `${action}: ${dirWords(r.dir)} ${what}`;
}

/** The request body a rule form makes (the server checks it and answers 400 with a sentence). */
export function ruleRequest(f: RuleForm): Record<string, unknown> {
  const body: Record<string, unknown> = { dir: f.dir, match: f.match, action: f.action };
  if (f.action === 'replace') body.with = f.with;
  if (f.action === 'delay') body.ms = Number(f.ms);
  if (f.opcode) body.opcode = Number(f.opcode);
  if (f.hex) body.hex = true;
  return body;
}

/** How a proxied connection is carried, in words. */
export function modeWords(c: ProxiedConn): string {
  if (c.proxyMode !== 'intercept') return 'relay: bytes unchanged';
  return c.leg === 'client' ? `intercept: client leg (upstream leg ${c.peer})` : `intercept: upstream leg (client leg ${c.peer})`;
}

const idNumber = (conn: string | undefined) => Number(/\d+/.exec(conn ?? '')?.[0] ?? 0);

/** Oldest first; an intercepted pair together, its client leg before its upstream leg. */
export function orderConns(conns: readonly ProxiedConn[]): ProxiedConn[] {
  const key = (c: ProxiedConn) => (c.leg === 'upstream' ? idNumber(c.peer) : idNumber(c.conn));
  return [...conns].sort((a, b) => key(a) - key(b) || (a.leg === 'upstream' ? 1 : 0) - (b.leg === 'upstream' ? 1 : 0));
}
