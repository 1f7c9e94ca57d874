// Coding exercises as data ("Learn Git Branching"): each is a plain object with its text, the
// starter the learner edits, a reference solution, hints, and checks. A check is a short script
// of raw messages from named clients and the envelopes its last message must cause; the
// sandbox runs the learner's route() through it and grade.ts compares. Pure: no DOM, no React,
// so the unit tests hold every exercise to its own solution and starter.

/** One text message a client sends, exactly as it would arrive on the socket. */
export interface Step {
  from: string;
  raw: string;
}

/**
 * An envelope a client must receive. Only `type` and the payload fields listed here are
 * compared: ids, meta and extra payload fields (a reason, a timestamp) are the learner's own.
 */
export interface Expected {
  to: string;
  type: string;
  payload?: Record<string, unknown>;
}

export interface Check {
  /** stable, kebab-case: tests and the UI refer to checks by id */
  id: string;
  /** what the check proves, as a sentence */
  title: string;
  /** messages sent before the one under test; their answers are not compared */
  setup?: Step[];
  /** the message under test */
  send: Step;
  /** everything the message under test must cause; any other envelope is a failure */
  expect: Expected[];
  /** shown when the check fails: the point of the lesson behind it */
  why: string;
}

export interface Exercise {
  id: string;
  title: string;
  /** markdown, drawn like a lesson's (no raw HTML) */
  instructions: string;
  starter: string;
  solution: string;
  /** progressive: the first is a nudge, the last nearly the answer */
  hints: string[];
  checks: Check[];
}

/** A message as text, the way a client would put it on the wire. */
const env = (o: unknown): string => JSON.stringify(o);
const sub = (from: string, id: string, topic: string): Step => ({ from, raw: env({ type: 'subscribe', id, payload: { topic } }) });

const ENVELOPE_ROUTER: Exercise = {
  id: 'envelope-router',
  title: 'A message router',
  instructions: `Write \`route(raw, ctx)\`, the function a server calls from its socket's \`message\` handler with each text message. It answers through \`ctx\` and must never throw: an exception there would take the connection down with it.

A valid envelope is a JSON object whose \`type\` and \`id\` are non-empty strings; \`payload\` depends on the type.

| type | payload | the router… |
|---|---|---|
| \`ping\` | anything | replies \`pong\` with \`{ ref }\` (the ping's id) |
| \`subscribe\` | \`{ topic }\` | adds the sender to the topic, replies \`ack\` \`{ ref }\` |
| \`unsubscribe\` | \`{ topic }\` | removes the sender from it, replies \`ack\` \`{ ref }\` |
| \`publish\` | \`{ topic, data }\` | sends \`message\` \`{ topic, data, from }\` to every subscriber of the topic, replies \`ack\` \`{ ref }\` |

Anything else gets an \`error\` envelope with \`{ code, ref }\` (\`ref\` when the message had a string id): \`bad_json\` for text that is not JSON, \`bad_envelope\` when it is not an object or lacks a type or an id, \`unknown_type\`, and \`bad_payload\` when the topic is missing or empty.

\`ctx.client\` is the sender's name, \`ctx.reply(envelope)\` answers it, \`ctx.send(name, envelope)\` reaches any client, and \`ctx.topics\` is a \`Map\` from topic to a \`Set\` of client names that lasts between messages. Replies need only \`type\` and \`payload\`.`,
  starter: `// route() is called once for every text message a client sends.
//   raw                       the message text, as it arrived
//   ctx.client                who sent it: "ana", "ben" or "cy"
//   ctx.reply(envelope)       answer the sender
//   ctx.send(name, envelope)  send to any client
//   ctx.topics                Map: topic -> Set of client names,
//                             kept between messages
function route(raw, ctx) {
  const msg = JSON.parse(raw);

  switch (msg.type) {
    case 'ping':
      ctx.reply({ type: 'pong', payload: { ref: msg.id } });
      break;
    // TODO subscribe, unsubscribe, publish
  }
  // TODO bad JSON, a bad envelope, an unknown type:
  //      answer with an error envelope, never throw
}
`,
  solution: `function route(raw, ctx) {
  let msg;
  try {
    msg = JSON.parse(raw);
  } catch {
    return ctx.reply(error('bad_json'));
  }
  // typeof null is 'object' too, and so is an array
  if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) {
    return ctx.reply(error('bad_envelope'));
  }
  const ref = nonEmpty(msg.id);
  if (!nonEmpty(msg.type) || !ref) {
    return ctx.reply(error('bad_envelope', ref));
  }
  // own keys only: handlers.toString is Object.prototype's
  if (!Object.hasOwn(handlers, msg.type)) {
    return ctx.reply(error('unknown_type', ref));
  }
  handlers[msg.type](msg, ctx);
}

function nonEmpty(value) {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function error(code, ref) {
  const payload = ref === undefined ? { code } : { code, ref };
  return { type: 'error', payload };
}

function topicOf(msg) {
  return nonEmpty(msg.payload && msg.payload.topic);
}

const handlers = {
  ping(msg, ctx) {
    ctx.reply({ type: 'pong', payload: { ref: msg.id } });
  },
  subscribe(msg, ctx) {
    const topic = topicOf(msg);
    if (!topic) return ctx.reply(error('bad_payload', msg.id));
    if (!ctx.topics.has(topic)) ctx.topics.set(topic, new Set());
    ctx.topics.get(topic).add(ctx.client);
    ctx.reply({ type: 'ack', payload: { ref: msg.id } });
  },
  unsubscribe(msg, ctx) {
    const topic = topicOf(msg);
    if (!topic) return ctx.reply(error('bad_payload', msg.id));
    ctx.topics.get(topic)?.delete(ctx.client);
    ctx.reply({ type: 'ack', payload: { ref: msg.id } });
  },
  publish(msg, ctx) {
    const topic = topicOf(msg);
    if (!topic) return ctx.reply(error('bad_payload', msg.id));
    const payload = { topic, data: msg.payload.data, from: ctx.client };
    for (const name of ctx.topics.get(topic) ?? []) {
      ctx.send(name, { type: 'message', payload });
    }
    ctx.reply({ type: 'ack', payload: { ref: msg.id } });
  },
};
`,
  hints: [
    'Guard the parse first: wrap JSON.parse in try/catch and reply error bad_json from the catch. Then make sure you really have an object: `typeof null` is "object", so test for null (and arrays) before reading msg.type.',
    'Route with a table of handlers keyed by type, and look the type up with Object.hasOwn(handlers, msg.type) so that "toString" or "constructor" count as unknown. Reuse a small error(code, ref) helper for every error reply.',
    'Topics: on subscribe, `if (!ctx.topics.has(topic)) ctx.topics.set(topic, new Set())`, then add ctx.client; on unsubscribe delete it; on publish loop over `ctx.topics.get(topic) ?? []` and ctx.send(name, { type: "message", payload: { topic, data, from: ctx.client } }), then ack the publisher.',
  ],
  checks: [
    {
      id: 'ping-pong',
      title: 'ping is answered with pong',
      send: { from: 'ana', raw: env({ type: 'ping', id: 'p1' }) },
      expect: [{ to: 'ana', type: 'pong', payload: { ref: 'p1' } }],
      why: 'The reply carries the ping’s id as ref, so the client knows which ping it answers.',
    },
    {
      id: 'bad-json',
      title: 'Text that is not JSON gets error bad_json',
      send: { from: 'ana', raw: 'Hello' },
      expect: [{ to: 'ana', type: 'error', payload: { code: 'bad_json' } }],
      why: 'Clients can send anything. JSON.parse throws on bad text: catch it and answer, so the socket survives.',
    },
    {
      id: 'not-an-object',
      title: 'JSON that is not an object gets error bad_envelope',
      send: { from: 'ana', raw: 'null' },
      expect: [{ to: 'ana', type: 'error', payload: { code: 'bad_envelope' } }],
      why: 'typeof null is "object": a bare typeof test lets null through, and reading msg.type then throws.',
    },
    {
      id: 'missing-type',
      title: 'An envelope without a type gets bad_envelope, with its id as ref',
      send: { from: 'ana', raw: env({ id: 'm1', payload: {} }) },
      expect: [{ to: 'ana', type: 'error', payload: { code: 'bad_envelope', ref: 'm1' } }],
      why: 'When the message has an id, the error names it, so the client knows which message was refused.',
    },
    {
      id: 'missing-id',
      title: 'An envelope without an id gets bad_envelope',
      send: { from: 'ana', raw: env({ type: 'ping', payload: {} }) },
      expect: [{ to: 'ana', type: 'error', payload: { code: 'bad_envelope' } }],
      why: 'Without an id, acks, replies and duplicate detection have nothing to refer to.',
    },
    {
      id: 'unknown-type',
      title: 'An unknown type gets error unknown_type',
      send: { from: 'ana', raw: env({ type: 'dance', id: 'u1' }) },
      expect: [{ to: 'ana', type: 'error', payload: { code: 'unknown_type', ref: 'u1' } }],
      why: 'A newer client may send types this server has never heard of: say so and carry on.',
    },
    {
      id: 'type-from-prototype',
      title: 'A type named like an Object method is unknown too',
      send: { from: 'ana', raw: env({ type: 'toString', id: 'u2' }) },
      expect: [{ to: 'ana', type: 'error', payload: { code: 'unknown_type', ref: 'u2' } }],
      why: 'handlers[msg.type] finds Object.prototype.toString for "toString": look types up with Object.hasOwn, a Map or a switch.',
    },
    {
      id: 'subscribe-ack',
      title: 'subscribe is acknowledged',
      send: sub('ana', 's1', 'prices.ACME'),
      expect: [{ to: 'ana', type: 'ack', payload: { ref: 's1' } }],
      why: 'The ack tells the client its subscription is in place; ref ties it to the request.',
    },
    {
      id: 'publish-fans-out',
      title: 'publish reaches every subscriber of the topic, and only them',
      setup: [sub('ana', 's1', 'prices.ACME'), sub('ben', 's2', 'prices.ACME'), sub('cy', 's3', 'sensor.42.temp')],
      send: { from: 'cy', raw: env({ type: 'publish', id: 'x1', payload: { topic: 'prices.ACME', data: 101.25 } }) },
      expect: [
        { to: 'ana', type: 'message', payload: { topic: 'prices.ACME', data: 101.25, from: 'cy' } },
        { to: 'ben', type: 'message', payload: { topic: 'prices.ACME', data: 101.25, from: 'cy' } },
        { to: 'cy', type: 'ack', payload: { ref: 'x1' } },
      ],
      why: 'The publisher does not know who listens; the topic map does. cy is subscribed to another topic, so it gets only the ack.',
    },
    {
      id: 'subscribe-twice',
      title: 'Subscribing twice still delivers once',
      setup: [sub('ana', 's1', 'prices.ACME'), sub('ana', 's2', 'prices.ACME')],
      send: { from: 'ben', raw: env({ type: 'publish', id: 'x2', payload: { topic: 'prices.ACME', data: 99.5 } }) },
      expect: [
        { to: 'ana', type: 'message', payload: { topic: 'prices.ACME', data: 99.5, from: 'ben' } },
        { to: 'ben', type: 'ack', payload: { ref: 'x2' } },
      ],
      why: 'Clients retry after reconnects. A Set keeps one entry per client; an array would deliver everything twice.',
    },
    {
      id: 'unsubscribe',
      title: 'After unsubscribe, publish no longer reaches that client',
      setup: [
        sub('ana', 's1', 'prices.ACME'),
        sub('ben', 's2', 'prices.ACME'),
        { from: 'ben', raw: env({ type: 'unsubscribe', id: 's3', payload: { topic: 'prices.ACME' } }) },
      ],
      send: { from: 'cy', raw: env({ type: 'publish', id: 'x3', payload: { topic: 'prices.ACME', data: 100 } }) },
      expect: [
        { to: 'ana', type: 'message', payload: { topic: 'prices.ACME', data: 100, from: 'cy' } },
        { to: 'cy', type: 'ack', payload: { ref: 'x3' } },
      ],
      why: 'ben left the topic: the map must forget it, or ben keeps paying for messages it no longer shows.',
    },
    {
      id: 'bad-payload',
      title: 'publish without a topic gets error bad_payload',
      send: { from: 'ana', raw: env({ type: 'publish', id: 'b1' }) },
      expect: [{ to: 'ana', type: 'error', payload: { code: 'bad_payload', ref: 'b1' } }],
      why: 'Validate each type’s payload before a handler reads payload.topic: a missing payload must not throw.',
    },
  ],
};

export const EXERCISES: Exercise[] = [ENVELOPE_ROUTER];

export function findExercise(id: string): Exercise | undefined {
  return EXERCISES.find((e) => e.id === id);
}
