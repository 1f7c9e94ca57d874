// An event-stream observer in a process of its own: `node bin/run-ts.js bench/observer-proc.ts PORT`
// reads ws://127.0.0.1:PORT/__wslab/events?format=bin as the web app does (in its own process, the
// browser's) and answers "count" over IPC with the messages it has read.
import WebSocket from 'ws';

const ws = new WebSocket(`ws://127.0.0.1:${process.argv[2]}/__wslab/events?format=bin`, { perMessageDeflate: false });
let messages = 0;
ws.on('message', () => messages++);
ws.once('open', () => process.send!({ open: true }));
ws.once('error', (err) => {
  process.stderr.write(`bench observer: ${err.message}\n`);
  process.exit(1);
});
process.on('message', (msg) => {
  if (msg === 'count') process.send!({ messages });
});
process.on('disconnect', () => process.exit(0));
