// One message of the event stream as text: a JSON text message as it came, or a `?format=bin`
// message rendered to the newline-separated JSON a `?batch=1` message would have held.
import { renderBatch } from '../../../server/core/events/records.ts';

export function readStreamMessage(data: unknown): string | null {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return renderBatch(new Uint8Array(data));
  return null;
}
