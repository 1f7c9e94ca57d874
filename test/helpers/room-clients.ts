// A workshop room's participants as real clients, in a process of their own (so the browser and the
// server keep their CPU): each joins with its own wslab_session cookie, opens one lab connection
// through the chaos link (/lab/echo?link=pN) with that cookie, and then sends one message a
// second, the room's sends spread evenly over the second.
//
//   node --import tsx test/helpers/room-clients.ts ORIGIN COUNT
//
// Prints one JSON line when every participant is connected ({"ready":COUNT}) and one every
// second after that ({"sent":N,"received":N,"closed":N}). Ends on SIGTERM or when stdin closes.
import WebSocket from 'ws';

const [origin, countText] = process.argv.slice(2);
const count = Number(countText);
if (!origin || !(count > 0)) {
  process.stderr.write('usage: room-clients ORIGIN COUNT\n');
  process.exit(2);
}

const sockets: WebSocket[] = [];
let sent = 0;
let received = 0;
let closed = 0;

async function join(i: number): Promise<WebSocket> {
  const cookie = `wslab_session=room-client-${process.pid}-${i}`;
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(`${origin}/__wslab/workshop/join`, { method: 'POST', headers: { Cookie: cookie, 'Content-Type': 'application/json' }, body: JSON.stringify({ name: `P${i + 1}` }) });
      if (res.status !== 200 && res.status !== 201) throw new Error(`join P${i + 1}: ${res.status} ${await res.text()}`);
      break;
    } catch (err) {
      if (attempt >= 2) throw err;
    }
  }
  const ws = new WebSocket(`${origin.replace(/^http/, 'ws')}/lab/echo?link=p${i + 1}`, { headers: { Cookie: cookie }, perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.on('message', () => received++);
  ws.on('close', () => closed++);
  ws.on('error', () => {});
  return ws;
}

for (let start = 0; start < count; start += 25) {
  const batch = await Promise.all(Array.from({ length: Math.min(25, count - start) }, (_, k) => join(start + k)));
  sockets.push(...batch);
}
process.stdout.write(`${JSON.stringify({ ready: sockets.length })}\n`);

const timers: ReturnType<typeof setTimeout>[] = [];
sockets.forEach((ws, i) => {
  timers.push(
    setTimeout(() => {
      const send = () => {
        if (ws.readyState !== WebSocket.OPEN) return;
        ws.send(`hello from P${i + 1} #${sent++}`);
      };
      send();
      timers.push(setInterval(send, 1000));
    }, (i * 1000) / sockets.length),
  );
});
timers.push(setInterval(() => process.stdout.write(`${JSON.stringify({ sent, received, closed })}\n`), 1000));

function end(): void {
  for (const t of timers) clearTimeout(t);
  for (const ws of sockets) ws.terminate();
  process.exit(0);
}
process.on('SIGTERM', end);
process.stdin.on('end', end);
process.stdin.resume();
