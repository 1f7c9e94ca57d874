// The challenges: at least one per lesson that has something to do on the wire. Each goal is an
// outcome the server can see in the events of the learner's own connections; the reference
// solutions are replayed with real sockets by test/integration/challenges.test.ts.
import type { WslabEvent } from '../events/schema.ts';
import type { Challenge, Watch } from './types.ts';
import { causeThenClose, ConnNotes, sentThenEchoed, serverCloseCode } from './notes.ts';

/** The tap reported the client breaking this rule (a frame it could not accept is not a frame event). */
const clientBroke = (e: WslabEvent, kind: string): boolean => e.type === 'error' && e.dir === 'c2s' && e.violation?.kind === kind;

/** A watcher that is solved by one event, with no memory. */
const single = (test: (e: WslabEvent) => boolean) => (): Watch => test;

export const CHALLENGES: readonly Challenge[] = [
  {
    id: 'first-handshake',
    lesson: 'handshake',
    title: 'Switching protocols',
    goal: 'Complete an opening handshake: the server answers 101 with the Sec-WebSocket-Accept your key calls for.',
    hints: ['Any lab will do: /lab/echo is the simplest.', 'In the terminal: connect /lab/echo'],
    solution: ['connect /lab/echo'],
    watch: single((e) => e.type === 'handshake' && e.response.status === 101 && e.acceptOk),
  },
  {
    id: 'subprotocol-chosen',
    lesson: 'handshake',
    title: 'Speak my language',
    goal: 'Offer a subprotocol in Sec-WebSocket-Protocol and have the server choose it in its 101.',
    hints: ['The terminal takes -s PROTOCOL.', 'connect /lab/echo -s chat.v1'],
    solution: ['connect /lab/echo -s chat.v1'],
    watch: single((e) => e.type === 'conn.open' && e.subprotocol !== null),
  },
  {
    id: 'origin-403',
    lesson: 'handshake',
    title: 'A foreign page knocks',
    goal: 'Have an upgrade refused with 403 because its Origin is not this server’s (the defence against cross-site WebSocket hijacking).',
    hints: [
      'A page cannot lie about its Origin, but a puppet or a script can send any header.',
      'The terminal sends headers with -H (through a puppet). From wscat or a script, add ?session=YOUR_ID so the refusal counts as yours.',
    ],
    solution: ['connect /lab/echo -H "Origin: http://evil.example"'],
    watch: single((e) => e.type === 'refused' && e.status === 403),
  },
  {
    id: 'two-sockets',
    lesson: 'stateful-connections',
    title: 'Two at once',
    goal: 'Hold two connections open at the same time: two TCP connections, two entries in the registry.',
    hints: ['Open the terminal twice, or the playground’s browser panel and the terminal.'],
    solution: ['connect /lab/echo in one terminal', 'connect /lab/echo in another, before closing the first'],
    watch: () => {
      const open = new ConnNotes<true>();
      return (e) => {
        if (e.type === 'conn.open') open.set(e.conn, true);
        open.forgetClosed(e);
        return open.size >= 2;
      };
    },
  },
  {
    id: 'unmasked-1002',
    lesson: 'frames-and-opcodes',
    title: 'Unmasked',
    goal: 'Get closed with 1002 by sending a client frame without a mask (RFC 6455 §5.1: a server must close).',
    hints: ['Browsers always mask; the frame builder does not have to.', 'In the builder, untick MASK on a text frame and send it to /lab/raw.'],
    solution: ['Frame builder: a text frame "hi" with MASK off, sent to /lab/raw'],
    watch: causeThenClose((e) => clientBroke(e, 'CLIENT_FRAME_UNMASKED'), 1002),
  },
  {
    id: 'reserved-opcode',
    lesson: 'frames-and-opcodes',
    title: 'Opcode 3',
    goal: 'Send a frame with a reserved opcode (0x3–0x7 or 0xB–0xF) and get closed with 1002.',
    hints: ['Only 0x0–0x2 and 0x8–0xA mean anything.', 'Builder: opcode 3, masked, sent to /lab/raw.'],
    solution: ['Frame builder: opcode 0x3, FIN, masked, sent to /lab/raw'],
    watch: causeThenClose((e) => clientBroke(e, 'RESERVED_OPCODE'), 1002),
  },
  {
    id: 'control-too-long',
    lesson: 'frames-and-opcodes',
    title: 'A ping too long',
    goal: 'Send a ping whose payload is over 125 bytes and get closed with 1002: control frames must fit the 7-bit length.',
    hints: ['A ping can carry data, but at most 125 bytes.', 'Builder: a ping with 126 bytes of payload.'],
    solution: ['Frame builder: opcode 0x9 with a 126-byte payload, masked, sent to /lab/raw'],
    watch: causeThenClose((e) => clientBroke(e, 'CONTROL_TOO_LONG'), 1002),
  },
  {
    id: 'length-16',
    lesson: 'frames-and-opcodes',
    title: 'Two more bytes of length',
    goal: 'Send a message of 126 to 65,535 bytes in one frame (its length needs the 16-bit extended field) and get it echoed.',
    hints: ['125 bytes still fit the 7-bit field; 126 does not.', 'send a 200-character text to /lab/echo.'],
    solution: ['connect /lab/echo', 'send a text of 200 characters'],
    watch: sentThenEchoed((m) => m.frames === 1 && m.wireLength >= 126 && m.wireLength <= 65535),
  },
  {
    id: 'fragmented-echo',
    lesson: 'frames-and-opcodes',
    title: 'In pieces',
    goal: 'Send one text message in at least 3 frames (FIN 0, continuation, …, FIN 1) and get it echoed whole.',
    hints: ['A text frame with FIN 0 starts a message; continuation frames (opcode 0) carry the rest.', 'Builder: text "Hel" FIN 0, continuation "l" FIN 0, continuation "o" FIN 1.'],
    solution: ['Frame builder: text "Hel" (FIN 0), continuation "l" (FIN 0), continuation "o" (FIN 1)'],
    watch: sentThenEchoed((m) => m.opcode === 1 && m.frames >= 3),
  },
  {
    id: 'ping-pong',
    lesson: 'frames-and-opcodes',
    title: 'Ping, pong',
    goal: 'Send a ping and receive its pong; the tap measures the round trip.',
    hints: ['Browsers cannot send pings: a puppet can.', 'connect /lab/echo --puppet, then /ping hi'],
    solution: ['connect /lab/echo --puppet', '/ping hi'],
    watch: single((e) => e.type === 'pong' && e.dir === 's2c' && e.rtt !== null),
  },
  {
    id: 'binary-echo',
    lesson: 'data-types',
    title: 'Bytes, not text',
    goal: 'Send a binary message (opcode 0x2) and get the same bytes back.',
    hints: ['The terminal has a binary command.', 'binary 01 02 ff'],
    solution: ['connect /lab/echo', 'binary 01 02 ff'],
    watch: sentThenEchoed((m) => m.opcode === 2, (m) => `${m.opcode}:${m.length}:${m.previewHex}`),
  },
  {
    id: 'deflate-message',
    lesson: 'data-types',
    title: 'Squeezed',
    goal: 'Negotiate permessage-deflate, send a compressed message (RSV1 set) and get it echoed.',
    hints: ['/lab/echo?deflate=1 offers permessage-deflate; browsers ask for it by themselves.', 'Send something long and repetitive: small messages may be sent uncompressed.'],
    solution: ['connect /lab/echo?deflate=1', 'send a text of 200 repeated characters'],
    watch: sentThenEchoed((m) => m.compressed),
  },
  {
    id: 'bad-utf8-1007',
    lesson: 'data-types',
    title: 'Not UTF-8',
    goal: 'Get closed with 1007 by sending invalid UTF-8 in a text message.',
    hints: ['A text message must be valid UTF-8; a binary one may hold anything.', 'Builder: a text frame whose payload is the byte ff.'],
    solution: ['Frame builder: text frame, payload hex ff, masked, sent to /lab/raw'],
    // only invalid UTF-8 makes a server send 1007
    watch: single((e) => serverCloseCode(e) === 1007),
  },
  {
    id: 'too-big-1009',
    lesson: 'data-types',
    title: 'Too big',
    goal: 'Get closed with 1009 by sending a message over the lab’s limit (64 KiB unless the server was started otherwise).',
    hints: ['Servers cap message sizes (ws’s maxPayload).', 'Send 70,000 bytes to /lab/echo.'],
    solution: ['connect /lab/echo', 'send a text of 70,000 characters'],
    // only a message over the limit makes a server send 1009
    watch: single((e) => serverCloseCode(e) === 1009),
  },
  {
    id: 'clean-close',
    lesson: 'lifecycle',
    title: 'A clean goodbye',
    goal: 'Close with 1000 yourself and finish the closing handshake: close frames both ways before TCP ends.',
    hints: ['Closing is a handshake too: you send a close frame, the server answers one.', '/close 1000 bye'],
    solution: ['connect /lab/echo', '/close 1000 bye'],
    watch: single((e) => e.type === 'close' && e.code === 1000 && e.initiator === 'client' && e.clean),
  },
  {
    id: 'app-close-4000',
    lesson: 'lifecycle',
    title: 'Your own close code',
    goal: 'Close cleanly with an application code (4000–4999) and a reason.',
    hints: ['4000–4999 are yours: registered nowhere, meaningful to your app.', '/close 4000 done'],
    solution: ['connect /lab/echo', '/close 4000 done'],
    watch: single((e) => e.type === 'close' && e.code !== null && e.code >= 4000 && e.code <= 4999 && e.initiator === 'client' && e.clean && e.reason !== ''),
  },
  {
    id: 'reserved-close-1005',
    lesson: 'lifecycle',
    title: 'A code that must never be sent',
    goal: 'Send a close frame carrying 1005 (a code only for reporting “no code”, never for the wire) and get closed with 1002.',
    hints: ['1005, 1006 and 1015 exist so APIs can report what happened; they must not appear in a close frame.', 'Builder: close frame, payload hex 03 ed.'],
    solution: ['Frame builder: close frame, payload hex 03ed, masked, sent to /lab/raw'],
    // the client's own close frame came first, so the close event reports its 1005; the rule it
    // broke is the tap's violation, whose close code (1002) is what the server answered
    watch: causeThenClose((e) => clientBroke(e, 'CLOSE_CODE_INVALID'), 'any'),
  },
  {
    id: 'ghost-reaped',
    lesson: 'ghosts-and-heartbeats',
    title: 'Ghost',
    goal: 'Become a ghost (your link blackholed: no FIN, no RST) and be terminated by the server’s heartbeat.',
    hints: ['?link=TAG routes a connection through the chaos link; ?heartbeat=MS&misses=N sets its heartbeat.', 'POST /__wslab/link {"tag":"TAG","blackhole":true} — or the link panel.'],
    solution: ['connect /lab/echo?link=me&heartbeat=500&misses=2', 'blackhole the link "me" in the link panel', 'wait for the heartbeat to give up'],
    watch: () => {
      const ghosts = new ConnNotes<true>();
      return (e) => {
        if (e.type === 'link' && e.conn && e.action === 'config' && e.conditions?.blackhole) ghosts.set(e.conn, true);
        else if (e.type === 'heartbeat' && e.action === 'terminate' && ghosts.get(e.conn)) return true;
        ghosts.forgetClosed(e);
        return false;
      };
    },
  },
  {
    id: 'heartbeat-three',
    lesson: 'ghosts-and-heartbeats',
    title: 'Still here',
    goal: 'Answer three heartbeat pings from the server on one connection.',
    hints: ['Clients answer pings by themselves (browsers cannot even choose not to).', 'connect /lab/echo?heartbeat=500 and wait a second and a half.'],
    solution: ['connect /lab/echo?heartbeat=500', 'wait for three pings'],
    watch: () => {
      const pongs = new ConnNotes<number>();
      return (e) => {
        if (e.type === 'heartbeat' && e.action === 'pong') {
          const n = (pongs.get(e.conn) ?? 0) + 1;
          pongs.set(e.conn, n);
          return n >= 3;
        }
        pongs.forgetClosed(e);
        return false;
      };
    },
  },
  {
    id: 'json-envelope',
    lesson: 'message-design',
    title: 'An envelope',
    goal: 'Send a JSON envelope with a string "type" and a "payload" and get it echoed.',
    hints: ['An envelope names what a message is, so the receiver can route it.', 'json {"type":"hello","payload":{}}'],
    solution: ['connect /lab/echo', 'json {"type":"hello","payload":{"name":"Ada"}}'],
    watch: sentThenEchoed((m) => m.opcode === 1 && !m.truncated && isEnvelope(m.text)),
  },
  {
    id: 'room-broadcast',
    lesson: 'delivery-patterns',
    title: 'Everyone in the room',
    goal: 'With two of your connections in one chat room, send a chat message on one and receive it on the other.',
    hints: ['Multicast: the server delivers a room message to every member’s socket.', 'Sign in twice, join the same room on both, then send {"type":"chat","payload":{"room":"r1","text":"hi"}} on one.'],
    solution: [
      'connect to /lab/chat?token=TOKEN twice (tokens from POST /lab/login)',
      'on both: {"type":"join","id":"j1","payload":{"room":"r1"}}',
      'on one: {"type":"chat","id":"c1","payload":{"room":"r1","text":"hi"}}',
    ],
    watch: roomDelivery(false),
  },
  {
    id: 'cross-node',
    lesson: 'scaling',
    title: 'Across the broker',
    goal: 'Send a chat room message on one node and receive it on another of your connections on a different node: the broker carried it.',
    hints: ['Each chat node has its own port (GET /__wslab/nodes); the broker links them.', 'Join the same room on node 1 and node 2, send on node 1.'],
    solution: [
      'connect to node 1 and to node 2 (their own /lab/chat URLs) with tokens, ?session=YOUR_ID',
      'join room r1 on both',
      'send a chat message to r1 on node 1: node 2 delivers it',
    ],
    watch: roomDelivery(true),
  },
  {
    id: 'auth-4001',
    lesson: 'authentication',
    title: 'Not you',
    goal: 'Present a bad token at the chat handshake and be closed with 4001 (unauthorized), after the 101.',
    hints: ['/lab/chat checks ?token= (or a bearer.TOKEN subprotocol) once the socket is open.', 'connect /lab/chat?token=forged'],
    solution: ['connect /lab/chat?token=forged'],
    watch: single((e) => serverCloseCode(e) === 4001),
  },
  {
    id: 'offline-dm',
    lesson: 'offline-and-reconnects',
    title: 'Waiting for you',
    goal: 'Receive on one chat node a DM that was sent to you while you were offline, after being online on the other node.',
    hints: [
      'Sign in on node 1, leave, have someone DM you, then come back on node 2.',
      'The DM waits in your offline queue; the node you come back to takes it out.',
    ],
    solution: [
      'sign in as "lou" and connect to node 1 (?session=YOUR_ID), then close it',
      'as someone else, send {"type":"dm","payload":{"to":"lou","text":"hi"}}',
      'sign in as "lou" again and connect to node 2 (?session=YOUR_ID): the DM arrives',
    ],
    watch: () => {
      // where each of the learner's chat connections lives (its node's port) and who it is
      const port = new Map<string, number>();
      const user = new Map<string, string>();
      const seen: { user: string; port: number }[] = [];
      return (e) => {
        if (e.type === 'conn.open' && e.lab === 'chat') port.set(e.conn, e.local.port);
        else if (e.type === 'meta' && e.userId && port.has(e.conn)) {
          user.set(e.conn, e.userId);
          if (seen.length < 32) seen.push({ user: e.userId, port: port.get(e.conn)! });
        } else if (e.type === 'fanout' && e.hop === 'dequeue' && e.conn && port.has(e.conn)) {
          const here = port.get(e.conn)!;
          const who = e.to ?? user.get(e.conn);
          return seen.some((s) => s.user === who && s.port !== here);
        } else if (e.type === 'close') {
          port.delete(e.conn);
          user.delete(e.conn);
        }
        return false;
      };
    },
  },
  {
    id: 'first-echo',
    lesson: 'testing',
    title: 'Hello, echo',
    goal: 'Send the text "hello" to a lab that echoes and read it back.',
    hints: ['The terminal is a wscat in the page.', 'connect /lab/echo, then send hello'],
    solution: ['connect /lab/echo', 'send hello'],
    watch: sentThenEchoed((m) => m.opcode === 1 && m.text === 'hello'),
  },
];

/** A chat envelope's room and text, or null. */
function chatOf(text: string | null): string | null {
  const v = objectOf(text) as { type?: unknown; payload?: { room?: unknown; text?: unknown } } | null;
  if (v === null) return null;
  return v.type === 'chat' && typeof v.payload?.room === 'string' && typeof v.payload.text === 'string' ? `${v.payload.room}\n${v.payload.text}` : null;
}

/**
 * A text message parsed as a JSON object, or null. Every watcher of every learner reads the same
 * message event in turn, so the last text's answer is kept: a message is parsed once, not once per
 * watcher, and text that cannot be an object (no leading `{`) is never handed to JSON.parse, whose
 * thrown error costs more than the message.
 */
let lastText: string | null = null;
let lastObject: object | null = null;
function objectOf(text: string | null): object | null {
  if (text === null) return null;
  if (text === lastText) return lastObject;
  let v: unknown = null;
  if (/^\s*\{/.test(text)) {
    try {
      v = JSON.parse(text);
    } catch {
      v = null;
    }
  }
  lastText = text;
  lastObject = typeof v === 'object' && v !== null && !Array.isArray(v) ? v : null;
  return lastObject;
}

/**
 * A chat room message sent on one of the learner's connections and received on another (on a
 * different node when `otherNode`; a node is told apart by the local port its connection reached).
 */
function roomDelivery(otherNode: boolean): () => Watch {
  return () => {
    const port = new ConnNotes<number>();
    /** room + text → the connection that sent it (the newest 32) */
    const sent = new Map<string, string>();
    return (e) => {
      if (e.type === 'conn.open' && e.lab === 'chat') port.set(e.conn, e.local.port);
      else if (e.type === 'message' && e.opcode === 1 && !e.truncated) {
        const key = chatOf(e.text);
        if (key === null) return false;
        if (e.dir === 'c2s') {
          sent.delete(key);
          sent.set(key, e.conn);
          if (sent.size > 32) sent.delete(sent.keys().next().value!);
          return false;
        }
        const from = sent.get(key);
        if (from === undefined || from === e.conn) return false;
        return !otherNode || (port.get(from) !== undefined && port.get(e.conn) !== undefined && port.get(from) !== port.get(e.conn));
      }
      port.forgetClosed(e);
      return false;
    };
  };
}

function isEnvelope(text: string | null): boolean {
  const v = objectOf(text);
  return v !== null && typeof (v as { type?: unknown }).type === 'string' && 'payload' in v;
}

export const CHALLENGE_BY_ID: ReadonlyMap<string, Challenge> = new Map(CHALLENGES.map((c) => [c.id, c]));
