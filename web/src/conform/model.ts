// The /conform page's model: the verdict colour of a case, counts by chapter, the lesson that
// teaches a case's rule, the RFC link, and the NDJSON stream reader. Pure but for readLines.
import type { ConformCaseView, ConformStreamLine } from '../../../server/core/api/conform.ts';

export interface ChapterInfo {
  chapter: string;
  title: string;
  cases: { id: string; rfc: string; description: string }[];
}

export type Tone = 'ok' | 'non-strict' | 'info' | 'failed' | 'pending' | 'running';

/** The colour a case's cell gets: green OK/OK, yellow NON-STRICT or a passing close other than OK, blue INFORMATIONAL / UNIMPLEMENTED, red failing. */
export function toneOf(c: Pick<ConformCaseView, 'behavior' | 'behaviorClose' | 'failed'> | undefined): Tone {
  if (!c) return 'pending';
  if (c.failed) return 'failed';
  if (c.behavior === 'INFORMATIONAL' || c.behavior === 'UNIMPLEMENTED') return 'info';
  if (c.behavior === 'OK' && c.behaviorClose === 'OK') return 'ok';
  return 'non-strict';
}

export const TONE_LABEL: Record<Tone, string> = {
  ok: 'OK',
  'non-strict': 'NON-STRICT',
  info: 'INFORMATIONAL',
  failed: 'FAILED',
  pending: 'not run',
  running: 'running',
};

export function countTones(ids: readonly string[], results: ReadonlyMap<string, ConformCaseView>): Record<Tone, number> {
  const n: Record<Tone, number> = { ok: 0, 'non-strict': 0, info: 0, failed: 0, pending: 0, running: 0 };
  for (const id of ids) n[toneOf(results.get(id))]++;
  return n;
}

/** The chapter of a case id: "6.4.1" → "6", "w.1.2" → "w". */
export function chapterOf(id: string): string {
  return id.split('.')[0] ?? id;
}

/** The lesson (and section) that teaches the rule of an RFC 6455 section. */
export function lessonFor(rfc: string, caseId = ''): { href: string; label: string } {
  const ch = chapterOf(caseId);
  if (ch === '12' || ch === '13') return { href: '/lessons/data-types#compression-permessage-deflate', label: 'Data types: compression (permessage-deflate)' };
  if (rfc.startsWith('5.5.1') || rfc.startsWith('7')) return { href: '/lessons/lifecycle#close-codes-worth-knowing', label: 'Lifecycle: close codes worth knowing' };
  if (rfc.startsWith('5.5')) return { href: '/lessons/frames-and-opcodes#opcodes', label: 'Frames and opcodes: control frames' };
  if (rfc.startsWith('5.4')) return { href: '/lessons/frames-and-opcodes#fragmentation', label: 'Frames and opcodes: fragmentation' };
  if (rfc.startsWith('5.3') || rfc.startsWith('10.3')) return { href: '/lessons/frames-and-opcodes#masking-why-clients-scramble-their-bytes', label: 'Frames and opcodes: masking' };
  if (rfc.startsWith('8') || rfc.startsWith('5.6')) return { href: '/lessons/data-types#text-and-json-the-sensible-default', label: 'Data types: text must be UTF-8' };
  if (ch === '1') return { href: '/lessons/frames-and-opcodes#lengths-7-16-or-64-bits', label: 'Frames and opcodes: lengths' };
  return { href: '/lessons/frames-and-opcodes#the-two-bytes-every-frame-starts-with', label: 'Frames and opcodes: the frame header' };
}

/** The rule's source on the RFC Editor's site: an RFC 6455 section, or RFC 7692 (permessage-deflate, chapters 12-13). */
export function rfcHref(rfc: string): string {
  if (rfc.startsWith('7692')) return 'https://www.rfc-editor.org/rfc/rfc7692';
  return `https://www.rfc-editor.org/rfc/rfc6455#section-${rfc}`;
}

/** How the rule's source reads on the page: "RFC 6455 §5.4" or "RFC 7692". */
export function rfcLabel(rfc: string): string {
  return rfc.startsWith('7692') ? 'RFC 7692' : `RFC 6455 §${rfc}`;
}

/** Reads an NDJSON response line by line until it ends or `signal` aborts. */
export async function readLines(res: Response, onLine: (line: ConformStreamLine) => void): Promise<void> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true });
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const text = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (text.trim()) onLine(JSON.parse(text) as ConformStreamLine);
    }
  }
}
