// Intercept rules for `wslab proxy`: what a request may ask for and the bounds it must keep. Shared
// by the server (server/proxy/intercept*.ts), the Intercept panel and the tests.
//
// Regexes are user input, so they never run on JavaScript's backtracking engine: the server compiles
// and runs them with RE2 (re2js), whose matching takes time linear in the subject, so no pattern can
// backtrack catastrophically. A pattern is at most MAX_PATTERN_LENGTH characters, in RE2 syntax (no
// lookaround, no backreferences), and runs on at most MATCH_WINDOW_BYTES of each payload.
import { z } from 'zod';

/** Rules in force at most. */
export const MAX_RULES = 50;
/** Longest pattern, characters. */
export const MAX_PATTERN_LENGTH = 256;
/** A rule's pattern sees at most this many bytes of a payload (the first ones). */
export const MATCH_WINDOW_BYTES = 4096;
/** Longest replacement or injected message, bytes of text (or hex digits / 2): a request body is at most 16 KiB. */
export const MAX_REPLACEMENT_BYTES = 6 * 1024;
/** Longest delay, ms. */
export const MAX_DELAY_MS = 60_000;
/** Held messages at most, and their payload bytes in all. */
export const MAX_HELD = 100;
export const MAX_HELD_BYTES = 4 * 1024 * 1024;

const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;
const hexText = z
  .string()
  .max(MAX_REPLACEMENT_BYTES * 2)
  .transform((s) => s.replace(/\s+/g, ''))
  .refine((s) => HEX_RE.test(s), 'must be hex digits, two per byte (spaces allowed)');

/**
 * Why a pattern is refused before it is compiled, or null. The server compiles what passes with
 * RE2 (server/proxy/intercept-match.ts), which refuses the rest of what it cannot run; these are
 * the constructs a JavaScript user reaches for that RE2 has no linear-time way to run, named.
 */
export function patternProblem(pattern: string): string | null {
  if (pattern.length > MAX_PATTERN_LENGTH) return `match may be at most ${MAX_PATTERN_LENGTH} characters (it is ${pattern.length})`;
  const construct = unsupportedConstruct(pattern);
  if (construct) return `match may not use ${construct}: rules run on RE2, which matches in linear time and has no lookaround or backreferences`;
  return null;
}

const LOOKAROUND: ReadonlyArray<[string, string]> = [
  ['(?<=', 'a lookbehind (?<=…)'],
  ['(?<!', 'a negative lookbehind (?<!…)'],
  ['(?=', 'a lookahead (?=…)'],
  ['(?!', 'a negative lookahead (?!…)'],
];

/** The first lookaround or backreference outside a character class, in words; null when none. */
function unsupportedConstruct(p: string): string | null {
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') {
      const next = p[i + 1] ?? '';
      if (!inClass && next >= '1' && next <= '9') return `a backreference (\\${next})`;
      if (!inClass && next === 'k' && p[i + 2] === '<') return 'a named backreference (\\k<…>)';
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      if (p[i + 1] === ']') i++; // a leading ] is a literal in the class
      continue;
    }
    if (c === '(') for (const [open, words] of LOOKAROUND) if (p.startsWith(open, i)) return words;
  }
  return null;
}

export const InterceptRuleRequest = z
  .object({
    dir: z.enum(['c2s', 's2c']),
    match: z.string().max(MAX_PATTERN_LENGTH).default(''),
    action: z.enum(['drop', 'replace', 'delay', 'hold']),
    /** replace: the text put in place of every match (text rules), or the new payload in hex (hex rules) */
    with: z.string().max(MAX_REPLACEMENT_BYTES * 2).optional(),
    /** delay: how long the message waits, ms (later messages in that direction wait behind it) */
    ms: z.number().int().min(0).max(MAX_DELAY_MS).optional(),
    /** only messages of this opcode: 1 text, 2 binary */
    opcode: z.union([z.literal(1), z.literal(2)]).optional(),
    /** match runs on the payload's lowercase hex, and `with` is the new payload in hex (sent as binary) */
    hex: z.boolean().optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    const problem = patternProblem(r.match);
    if (problem) ctx.addIssue({ code: 'custom', path: ['match'], message: problem });
    if (r.action === 'replace' && r.with === undefined) ctx.addIssue({ code: 'custom', path: ['with'], message: 'a replace rule needs "with": the text (or, with "hex": true, the hex payload) to put in' });
    if (r.action === 'replace' && r.hex && r.with !== undefined && !HEX_RE.test(r.with.replace(/\s+/g, ''))) ctx.addIssue({ code: 'custom', path: ['with'], message: 'with must be hex digits, two per byte, when "hex" is true' });
    if (r.action === 'delay' && r.ms === undefined) ctx.addIssue({ code: 'custom', path: ['ms'], message: 'a delay rule needs "ms": how long each matching message waits' });
  });
export type InterceptRuleRequest = z.infer<typeof InterceptRuleRequest>;

export interface InterceptRule extends InterceptRuleRequest {
  id: string;
  /** messages the rule has acted on */
  hits: number;
}

export const HeldActionRequest = z
  .object({
    action: z.enum(['forward', 'drop']),
    /** forward this instead of the held payload: text, or hex with "hex": true (sent as binary) */
    with: z.string().max(MAX_REPLACEMENT_BYTES * 2).optional(),
    hex: z.boolean().optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.hex && r.with !== undefined && !HEX_RE.test(r.with.replace(/\s+/g, ''))) ctx.addIssue({ code: 'custom', path: ['with'], message: 'with must be hex digits, two per byte, when "hex" is true' });
  });

export const InjectRequest = z
  .object({
    /** either leg's connection id */
    conn: z.string().min(1).max(40),
    dir: z.enum(['c2s', 's2c']),
    text: z.string().max(MAX_REPLACEMENT_BYTES).optional(),
    hex: hexText.optional(),
  })
  .strict()
  .refine((r) => (r.text === undefined) !== (r.hex === undefined), 'give exactly one of "text" and "hex"');

/** A held message as GET /__wslab/intercept/held lists it. */
export interface HeldMessage {
  id: string;
  /** the leg the message arrived on */
  conn: string;
  dir: 'c2s' | 's2c';
  rule: string;
  binary: boolean;
  size: number;
  /** the payload as text (text messages) */
  text: string | null;
  /** the payload in hex (binary messages; text ones too up to 64 KiB) */
  hex: string;
  /** when it was held, ms on the event clock */
  at: number;
}

/** A proxied connection as the Intercept page lists it (one leg, in intercept mode). */
export interface ProxiedConnection {
  conn: string;
  path: string;
  /** the upstream URL */
  proxy?: string;
  proxyMode?: 'relay' | 'intercept';
  leg?: 'client' | 'upstream';
  peer?: string;
  readyState: number;
}

/**
 * What GET /__wslab/intercept answers, and what each event of GET /__wslab/intercept/live carries
 * (the whole state, pushed when a rule, the held queue, a rule's hits or the proxied connections change).
 */
export interface InterceptListing {
  rules: InterceptRule[];
  held: HeldMessage[];
  /** the intercepted pairs (inject works on these) */
  connections: { client: string; upstream: string }[];
  /** every open proxied connection, relayed or intercepted */
  proxied: ProxiedConnection[];
  limits: { rules: number; matchWindowBytes: number; held: number; heldBytes: number };
}
