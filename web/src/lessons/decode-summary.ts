// What a lesson's decode block shows beside its link: each frame as one readable line
// (formatFrame), and the violation or the incompleteness the decoder found. Pure.
import { createReader, formatFrame, parseHex } from '../../../server/core/wire/index.ts';
import type { DecodeBlock } from './model.ts';

export interface DecodeSummary {
  lines: string[];
  violation: { closeCode: number; offset: number; reason: string } | null;
  incomplete: { offset: number; needed: number } | null;
  verdict: 'valid' | 'violation' | 'incomplete' | 'unreadable';
  error: string | null;
}

export function summarizeDecode(block: Pick<DecodeBlock, 'hex' | 'dir'>): DecodeSummary {
  const parsed = parseHex(block.hex);
  if ('error' in parsed) return { lines: [], violation: null, incomplete: null, verdict: 'unreadable', error: parsed.error };
  const reader = createReader({ direction: block.dir });
  const lines: string[] = [];
  let violation: DecodeSummary['violation'] = null;
  for (const ev of reader.push(parsed.bytes)) {
    if (ev.type === 'frame') lines.push(formatFrame(ev.frame));
    else violation = { closeCode: ev.violation.closeCode, offset: ev.violation.offset, reason: ev.violation.reason };
  }
  const incomplete = violation ? null : reader.finish();
  const verdict = violation ? 'violation' : incomplete ? 'incomplete' : 'valid';
  return { lines, violation, incomplete, verdict, error: null };
}
