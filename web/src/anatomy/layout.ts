// The RFC 6455 §5.2 drawing of a frame header: 32 bits per row, each field a run of bits,
// fields longer than what is left of a row continued on the next (as the RFC draws
// "Extended payload length continued" and "Masking-key (continued)"). Pure.
import type { FieldLayout, FieldName, Frame } from '../../../server/core/wire/types.ts';

export const BITS_PER_ROW = 32;

/** One field's part in one row. */
export interface Segment {
  field: FieldName;
  layout: FieldLayout;
  /** the field's first bit from the frame's first bit (byteOffset * 8 + bitOffset) */
  fieldStart: number;
  /** column of this segment's first bit in its row, 0..31 */
  column: number;
  /** bits of the field in this segment */
  bits: number;
  /** true when this segment continues a field begun on an earlier row */
  continued: boolean;
  /** this segment's bits as '0'/'1' characters, read from the header bytes */
  bitString: string;
}

export interface Row {
  /** index of the row; row r covers bits r*32 .. r*32+31 of the frame */
  index: number;
  segments: Segment[];
  /** columns at the end of the row no field covers (the last row of a short header) */
  emptyColumns: number;
}

/** The bit at absolute position `bit` (0 = most significant bit of the first byte). */
export function bitAt(bytes: Uint8Array, bit: number): 0 | 1 {
  const byte = bytes[bit >> 3] ?? 0;
  return ((byte >> (7 - (bit & 7))) & 1) as 0 | 1;
}

/** Lay the fields out in rows of 32 bits. `header` holds the frame's header bytes (at least). */
export function headerRows(fields: FieldLayout[], header: Uint8Array): Row[] {
  const rows: Row[] = [];
  const sorted = [...fields].sort((a, b) => a.byteOffset * 8 + a.bitOffset - (b.byteOffset * 8 + b.bitOffset));
  for (const layout of sorted) {
    const fieldStart = layout.byteOffset * 8 + layout.bitOffset;
    let at = fieldStart;
    const end = fieldStart + layout.bits;
    while (at < end) {
      const rowIndex = Math.floor(at / BITS_PER_ROW);
      const column = at % BITS_PER_ROW;
      const bits = Math.min(end - at, BITS_PER_ROW - column);
      let bitString = '';
      for (let i = 0; i < bits; i++) bitString += bitAt(header, at + i);
      while (rows.length <= rowIndex) rows.push({ index: rows.length, segments: [], emptyColumns: 0 });
      rows[rowIndex].segments.push({ field: layout.field, layout, fieldStart, column, bits, continued: at !== fieldStart, bitString });
      at += bits;
    }
  }
  for (const row of rows) {
    const used = row.segments.reduce((n, s) => Math.max(n, s.column + s.bits), 0);
    row.emptyColumns = BITS_PER_ROW - used;
  }
  return rows;
}

