// The capstone's story: the notes' whole sequence (upgrade → JWT → join → broker subscribe →
// broadcast → ping/pong → drop → heartbeat timeout → unsubscribe → cleanup) as steps, each proven
// by one real event from the server's stream. Which event proves a step, and which events the
// diagram draws, are decided here. Pure: no DOM, no React.
import type { EventOf, WslabEvent } from '../../../../server/core/events/schema.ts';

/** What the run knows about its own connection, learnt as it goes. */
export interface StoryContext {
  /** the server's id for the run's connection (from its ?session=), once known */
  conn: string | null;
  /** the chaos link connection in front of it ("L3"), once the blackhole named it */
  link: string | null;
  /** the room the run joins */
  room: string;
  /** events at or below this seq belong to earlier runs */
  afterSeq: number;
}

export interface Step {
  id: string;
  title: string;
  /** what happens, in a sentence */
  says: string;
  /** how the diagram shows it: an arrow (found by its event's seq) or a note beside a lifeline */
  drawn: 'arrow' | 'note';
  proves(e: WslabEvent, ctx: StoryContext): boolean;
}

const isFrame = (e: WslabEvent, ctx: StoryContext): e is EventOf<'frame'> => e.type === 'frame' && e.conn === ctx.conn;
/** The room's member list going out: published after every join, leave and cleanup (it has no conn). */
const isPresence = (e: WslabEvent, ctx: StoryContext): e is EventOf<'fanout'> => e.type === 'fanout' && e.kind === 'presence' && e.topic === `room:${ctx.room}`;
const textHas = (e: EventOf<'frame'>, needle: string) => e.text !== null && e.text.includes(needle);

export const STEPS: readonly Step[] = [
  {
    id: 'upgrade',
    title: 'Upgrade',
    says: 'GET /lab/chat with Upgrade: websocket, answered 101 by the node the load balancer picked.',
    drawn: 'arrow',
    proves: (e, ctx) => e.type === 'handshake' && e.conn === ctx.conn && e.response.status === 101,
  },
  {
    id: 'jwt',
    title: 'JWT checked',
    says: 'The first message carries the JWT; the node checks its signature and expiry and answers with who you are.',
    drawn: 'arrow',
    // a frame event previews 64 bytes: enough for the envelope's type. The node sends a system
    // envelope right after it verified the token and only then (a bad token is closed with 4001).
    proves: (e, ctx) => isFrame(e, ctx) && e.dir === 's2c' && textHas(e, '{"type":"system"'),
  },
  {
    id: 'join',
    title: 'Join a room',
    says: 'A join envelope from the client.',
    drawn: 'arrow',
    proves: (e, ctx) => isFrame(e, ctx) && e.dir === 'c2s' && textHas(e, '"type":"join"'),
  },
  {
    id: 'subscribe',
    title: 'Broker subscribe',
    says: 'The first local member of the room: the node subscribes to the room’s topic in the broker.',
    drawn: 'arrow',
    proves: (e, ctx) => e.type === 'fanout' && e.hop === 'subscribe' && e.conn === ctx.conn && e.topic === `room:${ctx.room}`,
  },
  {
    id: 'broadcast',
    title: 'Broadcast',
    says: 'A chat message to the room: delivered to this node’s members and published once to the broker for the others.',
    drawn: 'arrow',
    proves: (e, ctx) => e.type === 'fanout' && e.hop === 'publish' && e.conn === ctx.conn && e.topic === `room:${ctx.room}`,
  },
  {
    id: 'ping-pong',
    title: 'Ping / pong',
    says: 'The server’s heartbeat pings; the browser answers with a pong by itself (a page cannot even choose not to).',
    drawn: 'arrow',
    proves: (e, ctx) => isFrame(e, ctx) && e.dir === 'c2s' && e.opcode === 0xa,
  },
  {
    id: 'drop',
    title: 'Drop',
    says: 'The link is blackholed: no FIN, no RST, bytes simply stop arriving. Nobody is told.',
    drawn: 'note',
    proves: (e, ctx) => e.type === 'link' && ctx.link !== null && e.link === ctx.link && e.action === 'config' && e.conditions?.blackhole === true,
  },
  {
    id: 'timeout',
    title: 'Heartbeat timeout',
    says: 'Pongs stop coming; after the allowed misses the server terminates the connection.',
    drawn: 'note',
    proves: (e, ctx) => e.type === 'heartbeat' && e.conn === ctx.conn && e.action === 'terminate',
  },
  {
    id: 'unsubscribe',
    title: 'Unsubscribe',
    says: 'The room’s last local member is gone: the node unsubscribes from the topic in the broker.',
    drawn: 'arrow',
    proves: (e, ctx) => e.type === 'fanout' && e.hop === 'unsubscribe' && e.conn === ctx.conn && e.topic === `room:${ctx.room}`,
  },
  {
    id: 'cleanup',
    title: 'Cleanup',
    says: 'The socket is gone from the registry and the room; the node removes the user’s presence and tells the room, through the broker, who is left.',
    drawn: 'arrow',
    proves: (e, ctx) => isPresence(e, ctx) && e.hop === 'publish',
  },
];

export interface Proof {
  step: string;
  /** the event that proves it */
  seq: number;
  type: WslabEvent['type'];
}

/**
 * The steps proven so far, in order: each by the first event after the previous step's event (so
 * a pong that came before the broadcast does not count for the story's ping/pong).
 */
export function provenSteps(events: readonly WslabEvent[], ctx: StoryContext): Proof[] {
  const out: Proof[] = [];
  if (ctx.conn === null) return out;
  let i = 0;
  let after = ctx.afterSeq;
  for (const step of STEPS) {
    let found: WslabEvent | null = null;
    for (; i < events.length; i++) {
      const e = events[i];
      if (e.seq <= after) continue;
      if (step.proves(e, ctx)) {
        found = e;
        break;
      }
    }
    if (!found) break;
    out.push({ step: step.id, seq: found.seq, type: found.type });
    after = found.seq;
  }
  return out;
}

/**
 * What the capstone's diagram draws: the run's own connection (its frames, states, heartbeat and
 * close), the fan-out hops it caused, the broker hop of the message it sent, its link's events, and
 * the chat nodes' start events (so the drawing knows which node the connection reached).
 */
export function storyEvents(events: readonly WslabEvent[], ctx: StoryContext): WslabEvent[] {
  if (ctx.conn === null) return [];
  const msgIds = new Set<string>();
  for (const e of events) if (e.type === 'fanout' && e.conn === ctx.conn && e.msgId) msgIds.add(e.msgId);
  return events.filter((e) => {
    if (e.type === 'node') return e.action === 'start';
    if (e.seq <= ctx.afterSeq) return false;
    if (e.type === 'link') return ctx.link !== null && e.link === ctx.link && e.action !== 'stats';
    if (e.type === 'fanout') return e.conn === ctx.conn || (e.msgId !== null && msgIds.has(e.msgId) && e.hop !== 'deliver') || (isPresence(e, ctx) && e.hop === 'publish');
    return 'conn' in e && e.conn === ctx.conn;
  });
}

/** A room name of this run: letters and digits only, unique enough for one server. */
export function storyRoom(now: number, rand: number): string {
  return `story${(now % 1_000_000).toString(36)}${Math.floor(rand * 1296).toString(36)}`;
}

/** The chaos link connection opened with ?link=TAG after `afterSeq` ("L3"), once its open event arrived. */
export function findLink(events: readonly WslabEvent[], tag: string, afterSeq: number): string | null {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (e.seq <= afterSeq) break;
    if (e.type === 'link' && e.action === 'open' && e.tag === tag) return e.link;
  }
  return null;
}
