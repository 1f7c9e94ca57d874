// Byte sequences a learner can load with one click. Most come from RFC 6455 §5.7.
import type { DecodeDirection } from './model.ts';

export interface Example {
  label: string;
  hex: string;
  dir: DecodeDirection;
  /** one line on what to look at */
  about: string;
}

function seqHex(n: number): string {
  return Array.from({ length: n }, (_, i) => (i & 0xff).toString(16).padStart(2, '0')).join(' ');
}

export const EXAMPLES: Example[] = [
  {
    label: 'RFC 5.7 masked Hello',
    hex: '81 85 37 fa 21 3d 7f 9f 4d 51 58',
    dir: 'client',
    about: 'A client’s text frame “Hello”, masked with the key 37 fa 21 3d.',
  },
  {
    label: 'fragmented Hel+lo',
    hex: '01 03 48 65 6c\n80 02 6c 6f',
    dir: 'server',
    about: 'One text message in two frames: FIN=0 on the first, a continuation frame with FIN=1 after it.',
  },
  {
    label: 'ping',
    hex: '89 05 48 65 6c 6c 6f',
    dir: 'server',
    about: 'An unmasked ping carrying “Hello”; the pong must echo it.',
  },
  {
    label: '256-byte binary',
    hex: `82 7e 01 00\n${seqHex(256)}`,
    dir: 'server',
    about: 'Length 126 in the 7-bit field means “read 16 more bits”: 0x0100 = 256.',
  },
  {
    label: 'close 1000',
    hex: '88 06 03 e8 64 6f 6e 65',
    dir: 'server',
    about: 'A close frame: status code 1000 (0x03e8) followed by the reason “done”.',
  },
  {
    label: 'JSON envelope',
    hex: (() => {
      const json = '{"type":"chat","id":"m1","meta":{"room":"lobby"},"payload":{"text":"hi"}}';
      const bytes = new TextEncoder().encode(json);
      return `81 ${bytes.length.toString(16).padStart(2, '0')}\n${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ')}`;
    })(),
    dir: 'server',
    about: 'A text frame carrying a JSON message with the envelope fields type, id, meta and payload.',
  },
  {
    label: 'bad: unmasked client frame',
    hex: '81 05 48 65 6c 6c 6f',
    dir: 'client',
    about: 'Clients must mask; the server must fail this connection with 1002.',
  },
  {
    label: 'bad: reserved opcode',
    hex: '83 00',
    dir: 'server',
    about: 'Opcode 0x3 is reserved: 1002.',
  },
  {
    label: 'bad: invalid UTF-8',
    hex: '81 02 c3 28',
    dir: 'server',
    about: 'A text frame whose bytes are not UTF-8 (c3 must be followed by 80–bf): 1007.',
  },
];
