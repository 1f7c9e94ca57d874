// The playground's "your newest connection" diagram: only that connection's participants, labels
// cut to the panel's width with their full text kept for a tooltip.
import { describe, expect, it } from 'vitest';
import { buildSequenceDiagram, labelFit, LAYOUT } from '../../server/core/diagram/sequence.ts';
import type { WslabEvent } from '../../server/core/events/schema.ts';
import { eventsFor } from '../../web/src/diagram/model.ts';

let seq = 0;
const base = () => ({ v: 1 as const, seq: ++seq, t: seq });

const open = (conn: string, port: number, lab = 'echo'): WslabEvent => ({
  ...base(), type: 'conn.open', conn, socketId: conn, sessionId: null, lab, path: `/lab/${lab}`,
  remote: { address: '127.0.0.1', port: 40000 }, local: { address: '127.0.0.1', port }, subprotocol: null, extensions: null, client: 'browser',
});
const handshake = (conn: string, target: string): WslabEvent => ({
  ...base(), type: 'handshake', conn,
  request: { method: 'GET', target, httpVersion: '1.1', headers: [], raw: '' },
  response: { status: 101, statusText: 'Switching Protocols', headers: [], raw: '' },
  key: 'k', accept: 'a', expectedAccept: 'a', acceptOk: true,
});
const text = (conn: string, dir: 'c2s' | 's2c', body: string): WslabEvent => ({
  ...base(), type: 'frame', conn, dir, offset: 0, fin: true, rsv1: false, rsv2: false, rsv3: false,
  opcode: 1, opcodeName: 'TEXT', masked: dir === 'c2s', maskingKey: dir === 'c2s' ? '37fa213d' : null,
  payloadLength: body.length, headerLength: 2, headerHex: '', fields: {}, payloadHex: '', truncated: false,
  text: body, closeCode: null, closeReason: null, inflated: null,
});
/** What a server with a chat fleet has said before the learner connected anything. */
const fleet = (): WslabEvent[] => [
  { ...base(), type: 'node', node: 'n1', action: 'start', url: 'ws://127.0.0.1:9001/lab/chat', port: 9001, detail: '' },
  { ...base(), type: 'node', node: 'n2', action: 'start', url: 'ws://127.0.0.1:9002/lab/chat', port: 9002, detail: '' },
  { ...base(), type: 'broker', node: 'n1', broker: 'embedded', mode: 'pubsub', status: 'up', topics: 0, detail: 'embedded broker ready' },
  { ...base(), type: 'broker', node: 'n2', broker: 'embedded', mode: 'pubsub', status: 'up', topics: 0, detail: 'embedded broker ready' },
];

describe('the diagram of chosen connections', () => {
  it('draws nothing at all while no connection is chosen, though chat nodes and a broker exist', () => {
    seq = 0;
    const events = eventsFor(fleet(), new Set());
    const d = buildSequenceDiagram(events);
    expect(d.arrows).toEqual([]);
    expect(d.text).not.toContain('Note over');
    expect(d.text).not.toContain('Node n1');
    expect(d.text).not.toContain('Broker');
  });

  it('draws an echo connection with its client and the server only, no node or broker notes', () => {
    seq = 0;
    const events = [...fleet(), open('c1', 8080), handshake('c1', '/lab/echo?session=pg-x'), text('c1', 'c2s', 'hello'), text('c1', 's2c', 'hello')];
    const d = buildSequenceDiagram(eventsFor(events, new Set(['c1'])));
    expect(d.text).toBe(
      [
        'sequenceDiagram',
        '  participant C_c1 as Client c1 (browser)',
        '  participant S as Server',
        '  C_c1->>S: GET /lab/echo (Upgrade#58; websocket)',
        '  S->>C_c1: 101 Switching Protocols',
        '  C_c1->>S: TEXT masked [5 B] #34;hello#34;',
        '  S->>C_c1: TEXT [5 B] #34;hello#34;',
        '',
      ].join('\n'),
    );
  });

  it('keeps the nodes and the broker for a connection that reached a chat node', () => {
    seq = 0;
    const events = [...fleet(), open('c2', 9001, 'chat'), text('c2', 'c2s', 'hi')];
    const kept = eventsFor(events, new Set(['c2']));
    expect(kept.filter((e) => e.type === 'broker').length).toBe(2);
    const d = buildSequenceDiagram(kept);
    expect(d.text).toContain('participant N_n1 as Node n1');
    expect(d.text).toContain('  C_c2->>N_n1: TEXT masked [2 B] #34;hi#34;');
  });
});

describe('fitting the drawing to its panel', () => {
  it('gives two lifelines in a 517 px panel labels of at most 42 characters, never fewer than 14', () => {
    expect(labelFit(517, 2)).toBe(Math.floor((517 - LAYOUT.actorWidth - LAYOUT.padding) / LAYOUT.charPx));
    expect(labelFit(517, 2)).toBe(42);
    expect(labelFit(517, 3)).toBe(21);
    expect(labelFit(200, 4)).toBe(14);
  });

  it('cuts every arrow label to the fitted length and keeps the full text, in order, for the tooltip', () => {
    seq = 0;
    const long = 'a message much longer than any panel could show on one arrow of the diagram';
    const events = [open('c1', 8080), handshake('c1', '/lab/echo?deflate=1&session=pg-x'), text('c1', 'c2s', long)];
    const d = buildSequenceDiagram(events, { fitWidth: 517 });
    const labels = d.text.split('\n').filter((l) => l.includes('->>')).map((l) => l.slice(l.indexOf(': ') + 2));
    expect(labels.length).toBe(3);
    // 42 characters shown, then the ellipsis (entity codes count as one character each)
    for (const l of labels) expect(l.replace(/#\d+;/g, 'x').replace('…', '').length).toBeLessThanOrEqual(42);
    expect(labels[0]).toBe('GET /lab/echo?deflate=1 (Upgrade#58; websocke…');
    expect(d.titles).toEqual([
      'GET /lab/echo?deflate=1 (Upgrade: websocket)',
      '101 Switching Protocols',
      `TEXT masked [${long.length} B] "${long}"`,
    ]);
    expect(d.arrows).toEqual([2, 2, 3]);
  });

  it('keeps control characters out of the tooltip text', () => {
    seq = 0;
    const d = buildSequenceDiagram([open('c1', 8080), text('c1', 'c2s', '\u001b[2Jx\n')], { fitWidth: 900 });
    expect(d.titles).toEqual(['TEXT masked [6 B] "·[2Jx·"']);
  });
});

describe('notes in a fitted drawing', () => {
  it('cuts notes beside a lifeline to the fitted label length too', () => {
    seq = 0;
    const state: WslabEvent = { ...base(), type: 'state', conn: 'c1', side: 'server', from: 0, to: 1, cause: '101 Switching Protocols sent to the client' };
    const d = buildSequenceDiagram([open('c1', 8080), state], { fitWidth: 300 });
    expect(labelFit(300, 2)).toBe(15);
    expect(d.text).toContain('  Note left of S: c1 OPEN#58; 101 Sw…');
  });
});
