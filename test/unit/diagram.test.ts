import { describe, expect, it } from 'vitest';
import { buildSequenceDiagram, escapeLabel, shortTarget } from '../../server/diagram/sequence.ts';
import type { WslabEvent } from '../../server/events/schema.ts';

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
