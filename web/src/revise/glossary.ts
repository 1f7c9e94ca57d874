// The glossary as data: each term, a definition in a sentence or two, and the lesson section that
// teaches it (lesson id + heading slug, checked against the lesson files by the unit tests, so a
// renamed heading cannot leave a dead link). Pure: no DOM, no React.

export interface GlossaryEntry {
  /** the term as shown */
  term: string;
  /** the anchor on /glossary */
  slug: string;
  /** other spellings the search and the link check accept */
  aka: string[];
  definition: string;
  /** where it is taught: lesson id and the slug of a heading in that lesson */
  lesson: string;
  section: string;
}

type Row = [term: string, aka: string[], lesson: string, section: string, definition: string];

const ROWS: Row[] = [
  ['FIN', ['final bit'], 'frames-and-opcodes', 'the-two-bytes-every-frame-starts-with',
    'The first bit of a frame. 1 says "this frame ends its message"; 0 says more frames of the same message follow.'],
  ['RSV bits', ['RSV1', 'RSV2', 'RSV3', 'reserved bits'], 'frames-and-opcodes', 'the-two-bytes-every-frame-starts-with',
    'Three bits after FIN kept for extensions. They stay 0 unless the handshake agreed an extension that uses them (permessage-deflate marks compressed messages with RSV1); an unexpected 1 is a protocol error (1002).'],
  ['Opcode', ['opcodes'], 'frames-and-opcodes', 'opcodes',
    'The low 4 bits of the first byte, naming the frame: 0x0 continuation, 0x1 text, 0x2 binary, 0x8 close, 0x9 ping, 0xA pong. The other values are reserved and fail the connection.'],
  ['Control frame', ['control frames'], 'frames-and-opcodes', 'opcodes',
    'Close, ping and pong (opcodes with the high bit set). They carry at most 125 bytes, are never fragmented, and may arrive between the fragments of a data message.'],
  ['Continuation frame', ['continuation'], 'frames-and-opcodes', 'fragmentation',
    'Opcode 0x0: a later piece of a message whose first frame said text or binary with FIN=0.'],
  ['Fragmentation', ['fragmented', 'fragment'], 'frames-and-opcodes', 'fragmentation',
    'Sending one message as several frames: the first carries the type, the rest are continuations, the last has FIN=1. It lets a sender start before it knows the total size.'],
  ['Payload length', ['7-bit field', '16-bit length', '64-bit length', 'extended payload length'], 'frames-and-opcodes', 'lengths-7-16-or-64-bits',
    'Seven bits in the second byte. 0-125 is the length itself; 126 means a 16-bit length follows, 127 a 64-bit one. The shortest form must be used.'],
  ['Masking key', ['mask', 'masking', 'MASK bit'], 'frames-and-opcodes', 'masking-why-clients-scramble-their-bytes',
    'Four random bytes a client puts in every frame header; payload byte i is XORed with key[i mod 4]. It stops a page from steering bytes that a confused proxy could misread. Servers never mask.'],
  ['Close code', ['close codes', 'status code'], 'lifecycle', 'close-codes-worth-knowing',
    'The 2-byte number at the start of a close frame\'s payload: 1000 normal, 1001 going away, 1002 protocol error, 1007 bad data, 1008 policy, 1009 too big, 1011 server error, 4000-4999 for your app.'],
  ['1006 (abnormal closure)', ['1006', 'abnormal closure'], 'lifecycle', 'close-codes-worth-knowing',
    'Not a code anyone sends: the browser reports 1006 when the connection ended without a close frame, such as a dropped network or a killed process.'],
  ['Close handshake', ['closing handshake', 'close frame'], 'lifecycle', 'closing-politely',
    'One side sends a close frame, the other answers with its own, then TCP is shut. After sending a close, an endpoint sends no more data.'],
  ['TIME_WAIT', ['time-wait'], 'lifecycle', 'closing-politely',
    'The state TCP keeps for a while on the side that closed first, so late packets of the old connection are not taken for a new one. A server closing first keeps it off its clients.'],
  ['readyState', ['ready state', 'CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'], 'lifecycle', 'four-states',
    'The browser socket\'s state: 0 CONNECTING, 1 OPEN, 2 CLOSING, 3 CLOSED. Only OPEN accepts send().'],
  ['Upgrade', ['101 Switching Protocols', '101', 'Connection: Upgrade'], 'handshake', 'one-get-with-a-twist',
    'The HTTP/1.1 GET with Upgrade: websocket and Connection: Upgrade that asks the server to switch protocols; a 101 answer turns the connection into a WebSocket.'],
  ['Sec-WebSocket-Key', ['key'], 'handshake', 'the-101-and-the-accept-proof',
    'Sixteen random bytes, base64-encoded, that the client sends in the upgrade request. A page cannot set Sec- headers itself, so it cannot forge one.'],
  ['Sec-WebSocket-Accept', ['accept', 'accept value'], 'handshake', 'the-101-and-the-accept-proof',
    'The server\'s proof that it speaks WebSocket: base64(SHA-1(key + GUID)). A client that gets a wrong value fails the handshake.'],
  ['WebSocket GUID', ['GUID', '258EAFA5-E914-47DA-95CA-C5AB0DC85B11', 'magic string'], 'handshake', 'the-101-and-the-accept-proof',
    'The fixed string 258EAFA5-E914-47DA-95CA-C5AB0DC85B11 appended to the key before hashing: no other protocol would produce the same answer by accident.'],
  ['ws:// and wss://', ['wss', 'ws://', 'TLS'], 'handshake', 'ws-and-wss',
    'The two URL schemes: ws:// is plain TCP (port 80 by default), wss:// runs over TLS (port 443). Use wss:// outside localhost; proxies also leave it alone more often.'],
  ['Origin header', ['Origin'], 'handshake', 'cors-does-not-apply-origin-does',
    'The page\'s origin, sent by browsers in every upgrade request. CORS does not guard WebSockets, so the server must check Origin itself.'],
  ['CSWSH', ['cross-site WebSocket hijacking', 'hijacking'], 'authentication', 'cross-site-websocket-hijacking',
    'Cross-site WebSocket hijacking: a foreign page opens a socket to your server and the browser attaches your cookies. Checking Origin at the upgrade (and SameSite cookies) stops it.'],
  ['JWT', ['JSON Web Token', 'token'], 'authentication', 'where-the-credential-can-go',
    'A signed token that names a user and an expiry. It can ride in the URL, a cookie, a subprotocol entry or the first message; each place has its own leaks.'],
  ['Subprotocol', ['Sec-WebSocket-Protocol', 'subprotocols'], 'message-design', 'evolving-the-format',
    'An application protocol name the client offers in Sec-WebSocket-Protocol and the server picks one of; a handy place to version your message format.'],
  ['Envelope', ['message envelope'], 'message-design', 'the-envelope',
    'A fixed outer shape for every message (type, id, meta, payload) so the receiver can route and trace it before reading the body.'],
  ['Publish/subscribe', ['pub/sub', 'pubsub', 'topic'], 'message-design', 'routing-by-topic-publish-subscribe',
    'Senders publish to a topic; whoever subscribed to it receives. Neither side knows the other.'],
  ['Text and binary messages', ['text message', 'binary message', 'text frame', 'binary frame'], 'data-types', 'two-kinds-of-message',
    'The two data types: text must be valid UTF-8 (else 1007), binary is any bytes. The type is set per message by the first frame\'s opcode.'],
  ['permessage-deflate', ['compression', 'deflate'], 'data-types', 'compression-permessage-deflate',
    'The compression extension negotiated in Sec-WebSocket-Extensions: each message is deflated and marked with RSV1. It costs memory and CPU per socket.'],
  ['Context takeover', ['no_context_takeover', 'sliding window'], 'data-types', 'compression-permessage-deflate',
    'Keeping the deflate window between messages so later ones compress against earlier ones; the no_context_takeover parameters trade ratio for memory.'],
  ['Polling', ['short polling'], 'why-http-struggles', 'workaround-1-polling',
    'Asking the server "anything new?" on a timer. Simple, but each ask is a full HTTP request and news waits up to one interval.'],
  ['Long polling', [], 'why-http-struggles', 'workaround-2-long-polling',
    'A request the server holds open until it has something to say, answered, then reopened at once by the client.'],
  ['Server-sent events', ['SSE', 'EventSource'], 'why-http-struggles', 'workaround-3-server-sent-events',
    'One long HTTP response that streams text events from server to client (EventSource in the browser). One direction only, with built-in reconnects.'],
  ['Stateful connection', ['stateful'], 'stateful-connections', 'where-a-connection-lives',
    'A connection whose socket lives in one server process\'s memory for its whole life; only that process can write to it.'],
  ['4-tuple', ['four-tuple', 'ephemeral port'], 'stateful-connections', 'one-connection-per-client-and-the-4-tuple',
    'Source address, source port, destination address, destination port: what names one TCP connection. Clients differ by their ephemeral source port.'],
  ['Ghost connection', ['ghost', 'half-open connection', 'silent disconnect'], 'ghosts-and-heartbeats', 'how-a-connection-dies-without-a-word',
    'A socket the server still holds although its peer is gone (a pulled cable, a sleeping phone). Nothing fails until someone writes, so it leaks memory and shows users as online.'],
  ['Heartbeat', ['ping', 'pong', 'ping/pong'], 'ghosts-and-heartbeats', 'heartbeats-with-ping-and-pong',
    'A ping sent on a timer; a peer that has not answered with a pong by the next tick is terminated. It finds ghosts in one or two intervals.'],
  ['TCP keepalive', ['keepalive', 'SO_KEEPALIVE'], 'ghosts-and-heartbeats', 'tcp-does-not-notify-silent-disconnects-right-with-detail',
    'TCP\'s own probe of idle connections. On Linux it is off unless asked for and starts after two hours of silence, far too late for a chat.'],
  ['Backpressure', ['back-pressure', 'slow consumer'], 'backpressure', 'where-the-bytes-wait',
    'What a slow receiver does to a fast sender: bytes pile up in buffers between them. Without a limit the sender\'s memory grows until it dies.'],
  ['bufferedAmount', ['buffered amount', 'high-water mark'], 'backpressure', 'measure-first',
    'The bytes send() accepted that have not reached the kernel yet, per socket. Compare it with a high-water mark before sending and drop, coalesce or pause above it.'],
  ['Unicast', ['direct message', 'DM'], 'delivery-patterns', 'unicast-is-rarely-to-one-socket',
    'A message for one user, delivered to every socket that user has open (tabs, phone).'],
  ['Broadcast', [], 'delivery-patterns', 'broadcast-is-the-expensive-one',
    'One message to every connected socket: N writes per message, so N senders cost N² deliveries.'],
  ['Room', ['rooms', 'multicast', 'channel'], 'delivery-patterns', 'rooms-multicast-with-membership',
    'A named group of sockets; a message to the room reaches its members only. Joining and leaving change the membership.'],
  ['Horizontal scaling', ['vertical scaling', 'scale out', 'scale up'], 'scaling', 'up-or-out',
    'Adding servers (out) rather than a bigger server (up). For sockets it means the user you want to reach may be held by another node.'],
  ['Load balancer', ['sticky sessions', 'sticky'], 'scaling', 'the-load-balancer',
    'Spreads new connections over the nodes. A WebSocket stays on the node it landed on for its whole life.'],
  ['Message broker', ['broker', 'Redis pub/sub'], 'scaling', 'the-catch-who-holds-the-socket',
    'A shared service (Redis, NATS, Kafka…) through which nodes pass messages to the node that holds the target socket.'],
  ['Presence', ['online status'], 'scaling', 'presence',
    'Who is online right now, kept in shared storage across nodes and cleaned up when heartbeats find ghosts.'],
  ['Offline queue', ['offline messages', 'queue per user'], 'offline-and-reconnects', 'a-message-for-someone-who-is-not-there',
    'Messages kept per user while they are away and delivered when they come back. Where they are kept decides whether a crash loses them.'],
  ['At-least-once delivery', ['at least once', 'ack', 'acknowledgement'], 'offline-and-reconnects', 'acked-by-id-at-least-once',
    'The sender keeps a message until the receiver acknowledges its id, so it may arrive twice but never zero times; the receiver drops duplicates by id.'],
  ['Backoff with jitter', ['exponential backoff', 'jitter', 'reconnect'], 'offline-and-reconnects', 'coming-back-backoff-with-jitter',
    'Waiting longer after each failed reconnect (doubling up to a cap) plus a random part, so thousands of clients do not return in the same second.'],
  ['Head-of-line blocking', ['HOL blocking', 'head of line'], 'beyond-websockets', 'head-of-line-blocking',
    'One lost or large item holding up everything queued behind it. TCP delivers bytes in order, so one lost segment stalls every message on the socket.'],
  ['WebRTC', ['peer-to-peer', 'STUN', 'TURN'], 'beyond-websockets', 'webrtc',
    'Browser-to-browser audio, video and data, negotiated through a signalling channel (often a WebSocket) and run over UDP.'],
  ['SFU', ['selective forwarding unit'], 'beyond-websockets', 'webrtc',
    'Selective forwarding unit: a server that receives each participant\'s media once and forwards it to the others, which is how most group calls work instead of every peer sending to every peer.'],
  ['WebTransport', ['QUIC', 'HTTP/3'], 'beyond-websockets', 'quic-and-webtransport',
    'A browser API over HTTP/3 (QUIC) with many independent streams and unreliable datagrams, so one lost packet does not stall the others.'],
  ['Socket.IO', ['socket.io'], 'choosing-tools', 'socket-io',
    'A library with its own protocol on top of WebSocket (with a long-polling fallback): rooms, acks and reconnects built in; a plain WebSocket client cannot talk to it.'],
  ['wscat', [], 'testing', 'wscat-on-the-command-line',
    'A command-line WebSocket client (npx wscat -c URL) to send messages and see answers by hand.'],
];

function slugOf(term: string): string {
  return term
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

export const GLOSSARY: GlossaryEntry[] = ROWS.map(([term, aka, lesson, section, definition]) => ({
  term,
  slug: slugOf(term),
  aka,
  definition,
  lesson,
  section,
})).sort((a, b) => a.term.localeCompare(b.term, 'en', { sensitivity: 'base' }));

/** The link to where a term is taught. */
export function taughtAt(e: Pick<GlossaryEntry, 'lesson' | 'section'>): string {
  return `/lessons/${e.lesson}#${e.section}`;
}
