// Reads /__wslab/events off the main thread. At tens of thousands of events a second, one
// WebSocket message event per event would flood the page's main thread with tiny tasks (and
// starve rendering); here they are gathered and handed over at most every 16 ms as one batch
// of raw JSON strings, which the store parses and applies in one go. The stream comes as
// `?format=bin` (the server copies its records instead of writing JSON for every frame); the
// JSON is written here, off the main thread, by the same module the server uses.
/// <reference lib="webworker" />
import { readStreamMessage } from './stream-message.ts';

export type ToWorker = { type: 'connect'; url: string } | { type: 'close' };
export type FromWorker = { type: 'open' } | { type: 'close' } | { type: 'batch'; events: string[] };

const scope = self as unknown as DedicatedWorkerGlobalScope;
const BATCH_MS = 16;
/**
 * A batch goes at once when its text reaches this many characters (about 800 frame events): after
 * a stall (this worker's timer late, or the server catching up a backlog) one batch of megabytes
 * would be one long task of parsing on the main thread; several small ones are several short tasks
 * between which the page can paint.
 */
const MAX_BATCH_CHARS = 256 * 1024;
let ws: WebSocket | null = null;
let buffer: string[] = [];
let bufferedChars = 0;
let timer: ReturnType<typeof setTimeout> | null = null;

function post(message: FromWorker): void {
  scope.postMessage(message);
}

function send(): void {
  if (timer !== null) clearTimeout(timer);
  timer = null;
  if (buffer.length === 0) return;
  const events = buffer;
  buffer = [];
  bufferedChars = 0;
  post({ type: 'batch', events });
}

scope.onmessage = (e: MessageEvent<ToWorker>) => {
  const m = e.data;
  if (m.type === 'close') {
    ws?.close();
    ws = null;
    return;
  }
  ws?.close();
  const socket = new WebSocket(m.url);
  socket.binaryType = 'arraybuffer';
  ws = socket;
  socket.onopen = () => post({ type: 'open' });
  socket.onmessage = (msg: MessageEvent<string | ArrayBuffer>) => {
    const text = readStreamMessage(msg.data);
    if (text === null) return;
    buffer.push(text);
    bufferedChars += text.length;
    if (bufferedChars >= MAX_BATCH_CHARS) send();
    else if (timer === null) timer = setTimeout(send, BATCH_MS);
  };
  socket.onclose = () => {
    if (ws !== socket) return;
    send();
    ws = null;
    post({ type: 'close' });
  };
};
