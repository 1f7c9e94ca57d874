// The two roles the suite plays (server/conform/case-driver.ts): the client testing a server
// (`wslab conform`) and the server testing a client (`--serve`). The pieces that differ between
// them and can be said without a socket: who the other side is, which frames must be masked, how
// a frame header reads in the wire log, and the wire log's line for an echo message sent.

/** The side the suite plays in a case. */
export type Role = 'client' | 'server';

/** The other side. */
export function peerOf(role: Role): Role {
  return role === 'client' ? 'server' : 'client';
}

/** Must frames sent by `sender` be masked (RFC 6455 §5.1: a client's are, a server's are not)? */
export function masksFrames(sender: Role): boolean {
  return sender === 'client';
}

/** The wire log's flag for a frame of `sender` whose masking breaks the rule ("masked", "unmasked"), else null. */
export function maskOddity(sender: Role, masked: boolean): string | null {
  if (masked === masksFrames(sender)) return null;
  return masked ? 'masked' : 'unmasked';
}

/** The first bytes of an encoded frame, read back for the wire log: opcode, FIN, RSV bits, payload length, masked. */
export function readFrameHead(bytes: Uint8Array): { opcode: number; fin: boolean; rsv: number; length: number; masked: boolean } {
  const len7 = bytes[1] & 0x7f;
  let length = len7;
  if (len7 === 126) length = (bytes[2] << 8) | bytes[3];
  else if (len7 === 127) length = Number(new DataView(bytes.buffer, bytes.byteOffset + 2, 8).getBigUint64(0));
  return { opcode: bytes[0] & 0x0f, fin: (bytes[0] & 0x80) !== 0, rsv: (bytes[0] >> 4) & 7, length, masked: (bytes[1] & 0x80) !== 0 };
}

/** The wire log's note for echo message `index` (from 0) as sent: its size, compressed size, frames and pieces. */
export function echoSentNote(index: number, count: number, plainBytes: number, compressedBytes: number | null, frames: number, chop: number | undefined): string {
  const compressed = compressedBytes === null ? '' : `, ${compressedBytes} compressed,`;
  return `message ${index + 1} of ${count}: ${plainBytes} bytes${compressed} in ${frames} frame${frames === 1 ? '' : 's'}${chop ? ` written in pieces of ${chop} bytes` : ''}`;
}
