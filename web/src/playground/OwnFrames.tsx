// A compact live list of the frames on this page's own connections, from the event store.
import { useLayoutEffect, useRef } from 'react';
import { escapeControl } from '../../../server/core/events/format.ts';
import { useStoreSlice } from '../store/hooks.ts';
import { select, useSelection } from '../store/selection.ts';
import type { FrameEvent } from '../store/store.ts';
import type { EventOf } from '../../../server/core/events/schema.ts';

/** A frame the wire rules refused: the tap saw its bytes and reported the broken rule instead of a frame. */
type Refused = EventOf<'error'> & { violation: NonNullable<EventOf<'error'>['violation']>; conn: string };

const SHOW = 40;

export function OwnFrames({ conns }: { conns: ReadonlySet<string> }) {
  const store = useStoreSlice('frames');
  useStoreSlice('conns');
  const selection = useSelection();
  const list = useRef<HTMLOListElement>(null);
  const pinned = useRef(true);
  const rows: FrameEvent[] = [];
  if (conns.size) {
    const all = store.frames;
    for (let i = all.length - 1; i >= 0 && rows.length < SHOW; i--) if (conns.has(all[i].conn)) rows.push(all[i]);
    rows.reverse();
  }
  // the frames the tap refused, listed in order among the others as red rows
  const refused: Refused[] = [];
  for (const c of conns) {
    for (const e of store.conns.get(c)?.errors ?? []) if (e.violation && e.conn) refused.push(e as Refused);
  }
  const items: (FrameEvent | Refused)[] = refused.length ? [...rows, ...refused].sort((a, b) => a.seq - b.seq).slice(-SHOW) : rows;
  const newest = items.length ? items[items.length - 1].seq : 0;
  // keep the newest frame in view, unless the learner scrolled up to read
  useLayoutEffect(() => {
    const el = list.current;
    if (el && pinned.current) el.scrollTop = el.scrollHeight;
  }, [newest]);
  return (
    <section className="pg-own-frames" aria-label="Frames on this page's connections">
      <h2>Frames on your connections</h2>
      {items.length === 0 ? (
        <p className="hint pg-small">Frames appear here as the server sees them, both directions.</p>
      ) : (
        <ol
          ref={list}
          className="pg-frame-rows"
          data-testid="own-frames"
          onScroll={(e) => {
            const el = e.currentTarget;
            pinned.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 8;
          }}
        >
          {items.map((f) =>
            f.type === 'error' ? (
              <li key={f.seq}>
                <div className="pg-frame-row pg-refused" role="note" data-testid="refused-frame" title={f.message}>
                  <span className="num muted">#{f.seq}</span>
                  <span className="pg-conn">{f.conn}</span>
                  <span className={`pg-dir ${f.dir === 's2c' ? 'pg-in' : 'pg-out'}`} aria-label={f.dir === 's2c' ? 'server to client' : 'client to server'}>
                    {f.dir === 's2c' ? '←' : '→'}
                  </span>
                  <span className="pg-op">REFUSED</span>
                  <span className="num">{f.violation.closeCode}</span>
                  <span className="pg-preview">{escapeControl(f.violation.reason, 160)}</span>
                </div>
              </li>
            ) : (
            <li key={f.seq}>
              <button
                type="button"
                className={`pg-frame-row${selection.seq === f.seq ? ' pg-selected' : ''}${f.opcode >= 8 ? ' pg-control' : ''}`}
                onClick={() => select({ seq: f.seq, conn: f.conn })}
                aria-pressed={selection.seq === f.seq}
              >
                <span className="num muted">#{f.seq}</span>
                <span className="pg-conn">{f.conn}</span>
                <span className={`pg-dir ${f.dir === 'c2s' ? 'pg-out' : 'pg-in'}`} aria-label={f.dir === 'c2s' ? 'client to server' : 'server to client'}>
                  {f.dir === 'c2s' ? '→' : '←'}
                </span>
                <span className={`pg-op op-${f.opcodeName.toLowerCase()}`} title={`${f.opcodeName.toUpperCase()} (opcode 0x${f.opcode.toString(16).toUpperCase()})`}>
                  {f.opcode === 0 ? 'CONT' : f.opcodeName.toUpperCase()}
                </span>
                <span className="num">{f.payloadLength} B</span>
                <span className="pg-preview">{preview(f)}</span>
              </button>
            </li>
            ),
          )}
        </ol>
      )}
    </section>
  );
}

function preview(f: FrameEvent): string {
  const flags = [f.fin ? '' : 'FIN=0', f.rsv1 ? 'RSV1' : '', f.masked ? '' : f.dir === 'c2s' ? 'UNMASKED' : ''].filter(Boolean).join(' ');
  let body = '';
  if (f.closeCode !== null) body = `${f.closeCode}${f.closeReason ? ` ${escapeControl(f.closeReason, 40)}` : ''}`;
  else if (f.text !== null) body = escapeControl(f.inflated ?? f.text, 60);
  else if (f.payloadLength) body = f.payloadHex.slice(0, 24).replace(/(..)(?=.)/g, '$1 ');
  return [flags, body].filter(Boolean).join(' · ');
}
