// /cheatsheet: the protocol on two printed A4 pages. The tables come from the codec
// (cheatsheet.ts), the recipes are short `ws` snippets; the print rules are in revise.css.
import { Link } from 'react-router';
import { Page } from '../shell/Page.tsx';
import { READY_STATES, SAMPLE_KEY, WEBSOCKET_GUID, closeRows, headerSizes, opcodeRows, sampleAccept } from './cheatsheet.ts';
import './revise.css';

const FRAME = ` 0               1               2               3
 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7
+-+-+-+-+-------+-+-------------+-------------------------------+
|F|R|R|R| opcode|M| payload len |  extended payload length      |
|I|S|S|S|  (4)  |A|     (7)     |  (16 bits if len = 126,       |
|N|V|V|V|       |S|             |   64 bits if len = 127)       |
| |1|2|3|       |K|             |                               |
+-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
|  ...extended length  |  masking key (4 bytes, client only)    |
+----------------------+----------------------------------------+
|  payload (XOR key[i % 4] when masked)                     ... |
+---------------------------------------------------------------+`;

const SERVER = `import { WebSocketServer } from 'ws';
const wss = new WebSocketServer({
  port: 8080,
  maxPayload: 1 << 20, // bytes; the default is 100 MiB
});
wss.on('connection', (ws, req) => {
  if (req.headers.origin !== ALLOWED_ORIGIN)
    return ws.close(1008, 'origin');
  ws.on('message', (data, isBinary) =>
    ws.send(data, { binary: isBinary }));
  ws.on('close', (code, reason) => log(code, \`\${reason}\`));
  ws.on('error', console.error);
});`;

const CLIENT = `const ws = new WebSocket('wss://app.example/chat',
  ['chat.v1']);
ws.binaryType = 'arraybuffer';
ws.onopen = () =>
  ws.send(JSON.stringify({ type: 'join', room: 'a' }));
ws.onmessage = (e) => render(JSON.parse(e.data));
ws.onclose = (e) => {
  if (e.code !== 1000) reconnectLater(); // backoff + jitter
};`;

const BROADCAST = `for (const c of wss.clients)
  if (c !== ws && c.readyState === WebSocket.OPEN)
    c.send(msg);`;

const HEARTBEAT = `wss.on('connection', (ws) => {
  ws.isAlive = true;
  ws.on('pong', () => { ws.isAlive = true; });
});
const timer = setInterval(() => {
  for (const ws of wss.clients) {
    if (!ws.isAlive) { ws.terminate(); continue; } // ghost
    ws.isAlive = false;
    ws.ping();
  }
}, 30_000);
wss.on('close', () => clearInterval(timer));`;

const BACKPRESSURE = `const HIGH = 256 * 1024; // bytes queued per socket
function sendOrSkip(ws, msg) {
  if (ws.bufferedAmount > HIGH) return false; // drop,
  ws.send(msg);            // coalesce, or pause the source
  return true;
}
// ws.send(data, cb): cb runs once the bytes are written`;

export function CheatsheetPage() {
  const sizes = headerSizes();
  return (
    <Page
      title="WebSocket cheat sheet"
      lead={
        <>
          RFC 6455 on two pages. The numbers come from wslab&apos;s own codec. <button type="button" className="cheat-print" onClick={() => window.print()}>Print</button>{' '}
          <span className="cheat-screen-only">
            Terms are explained in the <Link to="/glossary">glossary</Link>.
          </span>
        </>
      }
    >
      <div className="cheat">
        <section className="cheat-box cheat-wide">
          <h2>Frame layout (§5.2)</h2>
          <pre className="cheat-frame">{FRAME}</pre>
        </section>
        <section className="cheat-box">
          <h2>Opcodes</h2>
          <table>
            <thead>
              <tr>
                <th>op</th>
                <th>name</th>
                <th>kind</th>
              </tr>
            </thead>
            <tbody>
              {opcodeRows().map((r) => (
                <tr key={r.hex}>
                  <td className="mono">{r.hex}</td>
                  <td>{r.name.toLowerCase()}</td>
                  <td>{r.control ? 'control: ≤ 125 bytes, never fragmented' : 'data'}</td>
                </tr>
              ))}
              <tr>
                <td className="mono">0x3–7, B–F</td>
                <td>reserved</td>
                <td>fail with 1002</td>
              </tr>
            </tbody>
          </table>
        </section>
        <section className="cheat-box">
          <h2>Header sizes</h2>
          <table data-testid="header-sizes">
            <thead>
              <tr>
                <th>payload bytes</th>
                <th>7-bit field</th>
                <th>server</th>
                <th>client (masked)</th>
              </tr>
            </thead>
            <tbody>
              {sizes.map((r) => (
                <tr key={r.range}>
                  <td>{r.range}</td>
                  <td>{r.len7}</td>
                  <td>{r.unmasked} B</td>
                  <td>{r.masked} B</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p>Client frames are always masked, server frames never. Use the shortest length form.</p>
        </section>
        <section className="cheat-box">
          <h2>Ready states</h2>
          <table>
            <tbody>
              {READY_STATES.map((s) => (
                <tr key={s.value}>
                  <td className="mono">{s.value}</td>
                  <td className="mono">{s.name}</td>
                  <td>{s.meaning}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p>0→1 on 101; 1→2 on close(); 2→3 after the close handshake. A drop goes 1→3 (code 1006); close() while connecting goes 0→2→3.</p>
        </section>
        <section className="cheat-box cheat-wide">
          <h2>Close codes and who sends them</h2>
          <table className="cheat-close">
            <thead>
              <tr>
                <th>code</th>
                <th>name</th>
                <th>sent by</th>
              </tr>
            </thead>
            <tbody>
              {closeRows().map((r) => (
                <tr key={r.code} className={r.onWire ? '' : 'local'}>
                  <td className="mono">{r.code}</td>
                  <td>{r.name}</td>
                  <td>{r.sender}</td>
                </tr>
              ))}
              <tr>
                <td className="mono">3000–3999</td>
                <td>registered</td>
                <td>libraries and frameworks (IANA)</td>
              </tr>
              <tr>
                <td className="mono">4000–4999</td>
                <td>private use</td>
                <td>your application (e.g. 4001 unauthorized)</td>
              </tr>
            </tbody>
          </table>
        </section>
        <section className="cheat-box">
          <h2>Handshake and the accept value (§4, §1.3)</h2>
          <pre>{`GET /chat HTTP/1.1
Host: app.example
Upgrade: websocket
Connection: Upgrade
Sec-WebSocket-Key: ${SAMPLE_KEY}
Sec-WebSocket-Version: 13
Origin: https://app.example

HTTP/1.1 101 Switching Protocols
Upgrade: websocket
Connection: Upgrade
Sec-WebSocket-Accept: ${sampleAccept()}`}</pre>
          <ol className="cheat-steps">
            <li>
              Take the key as sent: <code>{SAMPLE_KEY}</code>
            </li>
            <li>
              Append the GUID <code data-testid="guid">{WEBSOCKET_GUID}</code>
            </li>
            <li>SHA-1 the 60 ASCII bytes (20-byte digest)</li>
            <li>
              Base64 the digest: <code data-testid="accept">{sampleAccept()}</code>
            </li>
          </ol>
        </section>
        <section className="cheat-box">
          <h2>Heartbeat (server side)</h2>
          <pre>{HEARTBEAT}</pre>
        </section>
        <section className="cheat-box">
          <h2>Backpressure</h2>
          <pre>{BACKPRESSURE}</pre>
          <p>The browser has no receive backpressure: onmessage fires until memory runs out.</p>
        </section>
        <section className="cheat-box">
          <h2>ws: a server</h2>
          <pre>{SERVER}</pre>
          <h2>Broadcast to others</h2>
          <pre>{BROADCAST}</pre>
        </section>
        <section className="cheat-box">
          <h2>Browser client</h2>
          <pre>{CLIENT}</pre>
          <p>
            Test by hand: <code>npx wscat -c ws://localhost:8080</code>; decode bytes: <code>npx wslab decode --hex &quot;81 05 48 65 6c 6c 6f&quot;</code>.
          </p>
        </section>
      </div>
    </Page>
  );
}
