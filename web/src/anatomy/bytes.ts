// Small byte-formatting helpers for the views. Pure.

export function hex2(b: number): string {
  return b.toString(16).padStart(2, '0');
}

/** "37 fa 21 3d" */
export function spacedHex(bytes: ArrayLike<number>): string {
  return Array.from(bytes, hex2).join(' ');
}

/** A printable ASCII rendering of a byte for a hex+ASCII dump: '.' for anything else. */
export function asciiChar(b: number): string {
  return b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
}

/** Normalise a hex value however the codec spells it ("37fa213d", "37 fa 21 3d", "0x37FA213D") to "37 fa 21 3d". */
export function normaliseHex(value: string): string {
  const digits = value.replace(/^0x/i, '').replace(/[^0-9a-f]/gi, '').toLowerCase();
  return (digits.match(/.{1,2}/g) ?? []).join(' ');
}

/** Decode UTF-8; null when the bytes are not valid UTF-8. */
export function utf8OrNull(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** True when a decoded string is mostly readable text (no control characters besides tab/newline). */
export function isReadable(text: string): boolean {
  return !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text);
}

/** "1 byte", "5 bytes", "1,024 bytes" */
export function bytesLabel(n: number): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? 'byte' : 'bytes'}`;
}
