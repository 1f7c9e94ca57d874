// An observer that breaks the protocol (an unmasked frame: RFC 6455 §5.1) is closed with 1002;
// before, the 'error' ws emits for it had no listener and ended the whole process.
import { expect, test } from 'vitest';
import { rawUpgrade, upgradeRequest, useLabServer, type TestServer } from '../helpers/server.ts';

let t: TestServer;
useLabServer((server) => (t = server));

test('an unmasked frame from an event-stream observer closes it with 1002, and the server answers health after it', async () => {
  const res = await rawUpgrade(t.port, upgradeRequest(t.port, '/__wslab/events?since=0&types=health'));
  expect(res.status).toBe(101);
  const { socket } = res;
  try {
    const received: Buffer[] = [];
    const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('data', (c: Buffer) => received.push(c));
    socket.on('error', () => {});
    socket.write(Buffer.from([0x81, 0x02, 0x68, 0x69])); // FIN text "hi", mask bit clear
    await ended;
    const bytes = Buffer.concat(received);
    const close = bytes.indexOf(Buffer.from([0x88]));
    expect(close).toBeGreaterThanOrEqual(0);
    expect(bytes.readUInt16BE(close + 2)).toBe(1002);
  } finally {
    socket.destroy();
  }
  const health = await fetch(`${t.httpUrl}/__wslab/health`);
  expect(health.status).toBe(200);
});
