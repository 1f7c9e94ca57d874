import { describe, expect, it } from 'vitest';
import { buildSequenceDiagram, escapeLabel, shortTarget } from '../../server/core/diagram/sequence.ts';
import type { WslabEvent } from '../../server/core/events/schema.ts';

let seq = 0;
const base = () => ({ v: 1 as const, seq: ++seq, t: seq });

function frame(dir: 'c2s' | 's2c', text: string, extra: Partial<Extract<WslabEvent, { type: 'frame' }>> = {}): WslabEvent {
  return {
    ...base(), type: 'frame', conn: 'c1', dir, offset: 0, fin: true, rsv1: false, rsv2: false, rsv3: false,
    opcode: 1, opcodeName: 'TEXT', masked: dir === 'c2s', maskingKey: dir === 'c2s' ? '37fa213d' : null,
    payloadLength: new TextEncoder().encode(text).length, headerLength: dir === 'c2s' ? 6 : 2, headerHex: '', fields: {},
    payloadHex: '', truncated: false, text, closeCode: null, closeReason: null, inflated: null, ...extra,
  };
}

describe('escapeLabel', () => {
  it('keeps plain words and turns syntax characters into mermaid entity codes', () => {
    expect(escapeLabel('hello world')).toBe('hello world');
    expect(escapeLabel('a:b;c#d')).toBe('a#58;b#59;c#35;d');
  });

  it('cannot close a script tag, start a directive, draw an arrow or add a line', () => {
    const out = escapeLabel('</script><img src=x onerror=alert(1)>\n%%{init: {"theme":"dark"}}%%\nA->>B: pwned', 500);
    expect(out).not.toMatch(/[<>\n\r%{}:"]/);
    expect(out.replace(/#\d+;/g, '')).not.toContain(';');
    expect(out).not.toContain('->>');
    expect(out).toContain('#60;/script#62;');
    expect(out).toContain('#37;#37;#123;init');
  });

  it('shows control characters (ANSI escapes included) as dots and cuts long text with an ellipsis', () => {
    expect(escapeLabel('\u001b[31mred\u0007')).toBe('·[31mred·');
    expect(escapeLabel('x'.repeat(100), 10)).toBe('xxxxxxxxxx…');
  });
});

describe('buildSequenceDiagram', () => {
  it('draws the handshake, both frames of an echo and the close as arrows in order, with their seqs', () => {
    seq = 0;
    const events: WslabEvent[] = [
      { ...base(), type: 'conn.open', conn: 'c1', socketId: 'c1', sessionId: null, lab: 'echo', path: '/lab/echo', remote: { address: '127.0.0.1', port: 5 }, local: { address: '127.0.0.1', port: 8080 }, subprotocol: null, extensions: null, client: 'browser' },
      {
        ...base(), type: 'handshake', conn: 'c1',
        request: { method: 'GET', target: '/lab/echo', httpVersion: '1.1', headers: [], raw: '' },
        response: { status: 101, statusText: 'Switching Protocols', headers: [], raw: '' },
        key: 'k', accept: 'a', expectedAccept: 'a', acceptOk: true,
      },
      frame('c2s', 'hello'),
      frame('s2c', 'hello'),
      { ...base(), type: 'close', conn: 'c1', code: 1000, reason: 'bye', initiator: 'client', clean: true, durationMs: 5, bytesIn: 1, bytesOut: 1 },
    ];
    const d = buildSequenceDiagram(events);
    expect(d.text).toBe(
      [
        'sequenceDiagram',
        '  participant C_c1 as Client c1 (browser)',
        '  participant S as Server',
        '  C_c1->>S: GET /lab/echo (Upgrade#58; websocket)',
        '  S->>C_c1: 101 Switching Protocols',
        '  C_c1->>S: TEXT masked [5 B] #34;hello#34;',
        '  S->>C_c1: TEXT [5 B] #34;hello#34;',
        '  Note over C_c1,S: closed 1000 by client, clean',
        '',
      ].join('\n'),
    );
    expect(d.arrows).toEqual([2, 2, 3, 4]);
    expect(d.omitted).toBe(0);
  });

  it('keeps a hostile payload on its own arrow: one line, no injected statements', () => {
    seq = 0;
    const d = buildSequenceDiagram([frame('c2s', 'x\nS->>C_c1: fake\n%%{init: {"securityLevel":"loose"}}%%')]);
    const lines = d.text.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[3].startsWith('  C_c1->>S: TEXT masked')).toBe(true);
    expect(d.text).not.toContain('%%{');
  });

  it('draws control frames with open arrows and windows to the last N events', () => {
    seq = 0;
    const events = [
      ...Array.from({ length: 10 }, (_, i) => frame('c2s', `m${i}`)),
      frame('s2c', '', { opcode: 9, opcodeName: 'PING', payloadLength: 0 }),
    ];
    const d = buildSequenceDiagram(events, { window: 3 });
    expect(d.omitted).toBe(8);
    expect(d.arrows).toEqual([9, 10, 11]);
    expect(d.text).toContain('  S-)C_c1: PING [0 B]');
  });

  it('puts a client-side readyState note beside that client and a server-side one beside the server, cut short', () => {
    seq = 0;
    const d = buildSequenceDiagram([
      { ...base(), type: 'state', conn: 'c1', side: 'client', from: 0, to: 1, cause: 'puppet p1: open event' },
      { ...base(), type: 'state', conn: 'c1', side: 'server', from: 1, to: 2, cause: 'close frame <b>received</b>' },
    ], { maxNote: 60 });
    expect(d.text).toContain('  Note right of C_c1: client OPEN#58; puppet p1#58; open event');
    expect(d.text).toContain('  Note left of S: c1 CLOSING#58; close frame #60;b#62;received#60;/b#62;');
    const short = buildSequenceDiagram([{ ...base(), type: 'state', conn: 'c1', side: 'server', from: 0, to: 1, cause: 'x'.repeat(100) }], { maxNote: 20 });
    expect(short.text).toContain(`  Note left of S: c1 OPEN#58; ${'x'.repeat(11)}…`);
    expect(d.arrows).toEqual([]);
  });

  it('draws extra participants in role order with escaped names and identifier-only ids', () => {
    seq = 0;
    const d = buildSequenceDiagram([frame('c2s', 'hi')], {
      extraParticipants: [
        { id: 'broker', name: 'Redis: broker', role: 'broker' },
        { id: 'n-2', name: 'Node 2', role: 'node' },
        { id: 'link', name: 'Chaos link\nS->>C: x', role: 'link' },
      ],
    });
    const lines = d.text.trimEnd().split('\n');
    expect(lines.slice(0, 6)).toEqual([
      'sequenceDiagram',
      '  participant C_c1 as Client c1',
      '  participant P_link as Chaos link·S-#62;#62;C#58; x',
      '  participant S as Server',
      '  participant P_n_2 as Node 2',
      '  participant P_broker as Redis#58; broker',
    ]);
    expect(lines).toHaveLength(7);
  });

  it('leaves the page-added session id out of the handshake arrow, keeping the other parameters', () => {
    expect(shortTarget('/lab/echo?session=pg-abc')).toBe('/lab/echo');
    expect(shortTarget('/lab/echo?deflate=1&session=pg-abc&heartbeat=500')).toBe('/lab/echo?deflate=1&heartbeat=500');
    expect(shortTarget('/lab/echo')).toBe('/lab/echo');
  });
});

describe('buildSequenceDiagram across nodes, a broker and a chaos link', () => {
  const open = (conn: string, port: number, client = 'browser'): WslabEvent => ({
    ...base(), type: 'conn.open', conn, socketId: conn, sessionId: null, lab: 'chat', path: '/lab/chat',
    remote: { address: '127.0.0.1', port: 40000 }, local: { address: '127.0.0.1', port }, subprotocol: null, extensions: null, client,
  });
  const hop = (hopName: 'publish' | 'broker' | 'deliver' | 'subscribe', node: string, conn?: string): WslabEvent => ({
    ...base(), type: 'fanout', ...(conn ? { conn } : {}), hop: hopName, node, topic: 'room:lobby', room: 'lobby', msgId: 'm1', kind: 'chat',
    from: 'ada', to: null, origin: 'n1', count: hopName === 'deliver' ? 1 : null, streamId: null, detail: '',
  });

  it('draws each client against its own node and the message hopping node → broker → node', () => {
    seq = 0;
    const events: WslabEvent[] = [
      { ...base(), type: 'node', node: 'n1', action: 'start', url: 'ws://127.0.0.1:9001/lab/chat', port: 9001, detail: '' },
      { ...base(), type: 'node', node: 'n2', action: 'start', url: 'ws://127.0.0.1:9002/lab/chat', port: 9002, detail: '' },
      { ...base(), type: 'broker', node: 'n1', broker: 'redis', mode: 'pubsub', status: 'up', topics: 0, detail: '' },
      open('c1', 9001),
      open('c2', 9002),
      hop('subscribe', 'n1', 'c1'),
      frame('c2s', 'hi'),
      hop('publish', 'n1', 'c1'),
      hop('broker', 'n2'),
      hop('deliver', 'n2'),
      { ...(frame('s2c', 'hi') as Extract<WslabEvent, { type: 'frame' }>), conn: 'c2' },
    ];
    const d = buildSequenceDiagram(events);
    expect(d.text).toBe(
      [
        'sequenceDiagram',
        '  participant C_c1 as Client c1 (browser)',
        '  participant C_c2 as Client c2 (browser)',
        '  participant N_n1 as Node n1',
        '  participant N_n2 as Node n2',
        '  participant B as Broker (redis)',
        '  N_n1->>B: SUBSCRIBE room#58;lobby',
        '  C_c1->>N_n1: TEXT masked [2 B] #34;hi#34;',
        '  N_n1->>B: PUBLISH chat room#58;lobby m1',
        '  B->>N_n2: chat room#58;lobby m1',
        '  Note over N_n2: deliver 1 room#58;lobby',
        '  N_n2->>C_c2: TEXT [2 B] #34;hi#34;',
        '',
      ].join('\n'),
    );
    expect(d.arrows).toEqual([6, 7, 8, 9, 11]);
  });

  it('draws a connection behind the chaos link from the link, and a dropped ping as a note on it', () => {
    seq = 0;
    const events: WslabEvent[] = [
      open('c1', 8080, 'sim'),
      { ...base(), type: 'link', conn: 'c1', link: 'L1', action: 'open', path: '/lab/echo' },
      { ...(frame('s2c', 'hb:1') as Extract<WslabEvent, { type: 'frame' }>), opcode: 9, opcodeName: 'PING', text: 'hb:1' },
      { ...base(), type: 'link', conn: 'c1', link: 'L1', action: 'drop', dir: 's2c', bytes: 6, frames: [{ opcode: 9, opcodeName: 'PING', length: 4 }] },
    ];
    const d = buildSequenceDiagram(events);
    expect(d.text).toContain('  participant L_L1 as Chaos link L1\n  participant S as Server');
    expect(d.text).toContain('  S-)L_L1: PING [4 B] #34;hb#58;1#34;');
    expect(d.text).toContain('  Note over L_L1: dropped PING (s2c)');
  });
});
