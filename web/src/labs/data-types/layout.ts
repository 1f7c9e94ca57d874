// The data-types lab's binary layouts: fixed schemas written and read with DataView. A binary
// message carries no field names, so the table below IS the contract: the sender and the receiver
// must hold the same one, and a change on one side alone misreads every byte without an error.
// Pure: no DOM, no node:*.

/** One price tick, the lab's main payload (the same object the JSON variant stringifies). */
export interface Tick {
  /** 1-4 ASCII characters */
  symbol: string;
  /** in whole cents: 101.25, not 101.255 */
  price: number;
  /** a non-negative integer below 2^32 */
  volume: number;
  /** epoch milliseconds */
  t: number;
}

/** A row of a layout table, as the page shows it. */
export interface LayoutField {
  name: string;
  offset: number;
  bytes: number;
  type: string;
  note: string;
}

/**
 * One tick as 20 bytes, little-endian. The price goes as int32 cents (four bytes instead of a
 * float64's eight, exact for whole cents); the time stays a float64 because epoch milliseconds
 * passed 2^32 in 1970 and a float64 holds every integer up to 2^53 exactly.
 */
export const TICK_LAYOUT: readonly LayoutField[] = [
  { name: 'symbol', offset: 0, bytes: 4, type: 'ASCII × 4', note: 'padded with 0x00' },
  { name: 'price', offset: 4, bytes: 4, type: 'int32 LE', note: 'cents: 101.25 → 10125' },
  { name: 'volume', offset: 8, bytes: 4, type: 'uint32 LE', note: 'shares' },
  { name: 't', offset: 12, bytes: 8, type: 'float64 LE', note: 'epoch ms' },
];

export const TICK_BYTES = 20;

/** N ticks back to back, no header: the message length says how many (length / 20). */
export function encodeTicks(ticks: readonly Tick[]): Uint8Array {
  const out = new Uint8Array(ticks.length * TICK_BYTES);
  const dv = new DataView(out.buffer);
  ticks.forEach((tick, i) => {
    const at = i * TICK_BYTES;
    if (!/^[\x20-\x7e]{1,4}$/.test(tick.symbol)) throw new RangeError(`symbol "${tick.symbol}" is not 1-4 printable ASCII characters`);
    for (let k = 0; k < tick.symbol.length; k++) out[at + k] = tick.symbol.charCodeAt(k);
    const cents = Math.round(tick.price * 100);
    if (cents / 100 !== tick.price || cents < -0x80000000 || cents > 0x7fffffff) throw new RangeError(`price ${tick.price} is not whole cents that fit an int32`);
    dv.setInt32(at + 4, cents, true);
    if (!Number.isInteger(tick.volume) || tick.volume < 0 || tick.volume > 0xffffffff) throw new RangeError(`volume ${tick.volume} does not fit a uint32`);
    dv.setUint32(at + 8, tick.volume, true);
    dv.setFloat64(at + 12, tick.t, true);
  });
  return out;
}

export function decodeTicks(bytes: Uint8Array): Tick[] {
  if (bytes.length % TICK_BYTES !== 0) throw new RangeError(`${bytes.length} bytes is not a whole number of ${TICK_BYTES}-byte ticks`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ticks: Tick[] = [];
  for (let at = 0; at < bytes.length; at += TICK_BYTES) {
    let symbol = '';
    for (let k = 0; k < 4 && bytes[at + k] !== 0; k++) symbol += String.fromCharCode(bytes[at + k]);
    ticks.push({ symbol, price: dv.getInt32(at + 4, true) / 100, volume: dv.getUint32(at + 8, true), t: dv.getFloat64(at + 12, true) });
  }
  return ticks;
}

/** "ada is typing in lobby". */
export interface Typing {
  type: 'typing';
  user: string;
  room: string;
}

/** The kind byte's meaning is part of the schema too: 1 = typing. */
export const TYPING_KIND = 1;

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The typing layout for one message: where its fields land depends on the lengths inside. */
export function typingLayout(m: Typing): LayoutField[] {
  const n = utf8.encode(m.user).length;
  const k = utf8.encode(m.room).length;
  return [
    { name: 'kind', offset: 0, bytes: 1, type: 'uint8', note: `${TYPING_KIND} = typing` },
    { name: 'user length', offset: 1, bytes: 1, type: 'uint8', note: `${n}` },
    { name: 'user', offset: 2, bytes: n, type: 'UTF-8', note: `"${m.user}"` },
    { name: 'room length', offset: 2 + n, bytes: 1, type: 'uint8', note: `${k}` },
    { name: 'room', offset: 3 + n, bytes: k, type: 'UTF-8', note: `"${m.room}"` },
  ];
}


export function encodeTyping(m: Typing): Uint8Array {
  const user = utf8.encode(m.user);
  const room = utf8.encode(m.room);
  if (user.length > 255 || room.length > 255) throw new RangeError('user and room must be at most 255 UTF-8 bytes');
  const out = new Uint8Array(3 + user.length + room.length);
  out[0] = TYPING_KIND;
  out[1] = user.length;
  out.set(user, 2);
  out[2 + user.length] = room.length;
  out.set(room, 3 + user.length);
  return out;
}

export function decodeTyping(bytes: Uint8Array): Typing {
  if (bytes[0] !== TYPING_KIND) throw new RangeError(`kind ${bytes[0]} is not ${TYPING_KIND} (typing)`);
  const n = bytes[1];
  const m = bytes[2 + n];
  if (bytes.length !== 3 + n + m) throw new RangeError(`${bytes.length} bytes, the lengths inside say ${3 + n + m}`);
  return { type: 'typing', user: fromUtf8.decode(bytes.subarray(2, 2 + n)), room: fromUtf8.decode(bytes.subarray(3 + n)) };
}

export const UUID_LAYOUT: readonly LayoutField[] = [{ name: 'id', offset: 0, bytes: 16, type: 'bytes × 16', note: 'the 32 hex digits as bytes' }];

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A UUID's 36 characters as its 16 bytes. */
export function encodeUuid(id: string): Uint8Array {
  if (!UUID_RE.test(id)) throw new RangeError(`"${id}" is not a lower-case UUID`);
  const hex = id.replaceAll('-', '');
  return Uint8Array.from({ length: 16 }, (_, i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16));
}

export function decodeUuid(bytes: Uint8Array): string {
  if (bytes.length !== 16) throw new RangeError(`a UUID is 16 bytes, not ${bytes.length}`);
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function blobLayout(length: number): LayoutField[] {
  return [{ name: 'blob', offset: 0, bytes: length, type: 'bytes', note: 'as they are (JSON needs base64: 4 characters per 3 bytes)' }];
}
