import { describe, expect, it } from 'vitest';
import { buildSequenceDiagram, escapeLabel } from '../../server/diagram/sequence.ts';
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
});
