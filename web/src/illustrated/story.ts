// The caption of each record of the illustrated connection, in the session's order (the trace's
// records, web/src/illustrated/trace.json). Each says what happens and why it is on the wire.
export const STORY: readonly { title: string; text: string }[] = [
  { title: 'TCP connect', text: 'The client opens a TCP connection to the server (SYN, SYN-ACK, ACK). No WebSocket byte has been sent yet; the tap sees only what travels above TCP.' },
  { title: 'Client upgrade request', text: 'An HTTP/1.1 GET asking to switch protocols, with a key the server must answer and an offer of permessage-deflate.' },
  { title: 'Server 101 Switching Protocols', text: 'The server accepts: it proves it read the key (the accept value) and says which deflate parameters it agreed to. From the next byte on, both directions carry frames.' },
  { title: 'Client text message, masked', text: '"Hello" in one frame. Every client frame is masked: RFC 6455 §5.7\'s own example, byte for byte.' },
  { title: 'Server echo, unmasked', text: 'The echo lab sends it back. Server frames are never masked: two header bytes and the text.' },
  { title: 'Client first fragment', text: 'A text message split in two: this frame has FIN = 0, so the message is not complete yet.' },
  { title: 'Client ping between the fragments', text: 'A control frame may sit between the fragments of a message (§5.4): the receiver answers it without waiting for the message.' },
  { title: 'Server pong', text: 'The pong carries the ping\'s payload back, before the fragmented message is complete.' },
  { title: 'Client last fragment', text: 'A continuation frame (opcode 0) with FIN = 1: the message "Hello, fragments!" is complete.' },
  { title: 'Server echo of the whole message', text: 'The server sends the reassembled message back as one frame: fragmentation is per hop, not part of the message.' },
  { title: 'Client compressed message', text: 'RSV1 = 1: the payload is DEFLATE output. 27 characters become 13 bytes because the text repeats.' },
  { title: 'Server echo, uncompressed', text: 'The same message back, not compressed: each sender decides per message, and ws skips messages under 1 KiB.' },
  { title: 'Client close', text: 'Close code 1000 (normal) and a reason: the client starts the closing handshake.' },
  { title: 'Server close reply', text: 'The server answers with its own close frame (same code and reason) and then ends TCP: the server closes first, so the client does not hold TIME_WAIT (§7.1.1).' },
  { title: 'TCP close', text: 'The server ends the TCP connection (FIN) after its close frame; the tap records a clean close initiated by the client.' },
];
