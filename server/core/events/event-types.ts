// The name of every event type, as plain data. The browser needs the list (to skip events a newer
// server sends) but not the zod schema: importing it from schema.ts would put zod in the page's
// entry chunk. schema.ts takes EVENT_TYPES from here and the compiler checks that the two agree.
export const EVENT_TYPES = [
  'conn.open',
  'handshake',
  'frame',
  'message',
  'state',
  'ping',
  'pong',
  'heartbeat',
  'buffer',
  'close',
  'meta',
  'error',
  'refused',
  'gap',
  'link',
  'sim',
  'flow',
  'fanout',
  'broker',
  'node',
  'workshop',
  'quiz',
  'follow',
] as const;

export type EventTypeName = (typeof EVENT_TYPES)[number];
