// The frame list: a windowed grid (only the visible rows exist in the DOM), memoized rows,
// follow mode (stick to the newest frame until the learner scrolls up), and keyboard moves.
//
// Rows all have the same height, so the window is arithmetic: row i sits at i × ROW_H and the
// visible range comes from scrollTop alone. This keeps a render O(visible rows) at any count
// (a general virtualizer re-measures all rows whenever the count changes: 200,000 per frame
// while frames stream in).
import { memo, useCallback, useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import { isControlOpcode } from '../../../server/core/wire/index.ts';
import { decodedSummary, type Decoded } from '../../../server/core/decoders/index.ts';
import { formatT, framePreview, showControls, frameName, indexOfSeq, rsvText, type FrameEvent } from './model.ts';

/** Row height in CSS pixels; the rows are all the same height, so positions are index × ROW_H. */
export const ROW_H = 30;
const OVERSCAN = 8;

export interface ScrollRequest {
  seq: number;
  align: 'center' | 'auto';
  /** bumps to ask again for the same seq */
  nonce: number;
}

export interface FrameListProps {
  frames: readonly FrameEvent[];
  /** frames.length, passed so the list re-renders when the array grew in place */
  count: number;
  selectedSeq: number | null;
  follow: boolean;
  onFollowChange: (follow: boolean) => void;
  onSelect: (frame: FrameEvent) => void;
  onOpen: (frame: FrameEvent) => void;
  /** the frame's decoded subprotocol message, for the summary column */
  decodedOf?: (frame: FrameEvent) => Decoded | null;
  scrollRequest: ScrollRequest | null;
  /** called once a scroll request was carried out */
  onScrolled: (nonce: number) => void;
  emptyText: string;
  /** the learner scrolled to the top row: load older frames, when there are */
  onReachTop?: () => void;
  /** a line above the first row (older history: loading, the beginning, an error) */
  topLine?: React.ReactNode;
  /** moves when a load of older frames ended with more to load (EventStore.older) */
  olderKey?: string;
}

export function FrameList({ frames, count, selectedSeq, follow, onFollowChange, onSelect, onOpen, decodedOf, scrollRequest, onScrolled, emptyText, onReachTop, topLine, olderKey }: FrameListProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const [viewport, setViewport] = useState({ top: 0, height: 720 });
  const measure = useCallback(() => {
    const el = scroller.current;
    if (!el) return;
    const top = el.scrollTop;
    const height = el.clientHeight;
    setViewport((v) => (v.top === top && v.height === height ? v : { top, height }));
  }, []);
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [measure]);

  // Follow mode: after the rows changed, stick to the bottom. Not following: when the oldest rows
  // were evicted, scroll up by as many rows, so the rows being read stay where they were.
  const previous = useRef<readonly FrameEvent[]>(frames);
  useLayoutEffect(() => {
    const el = scroller.current;
    const before = previous.current;
    previous.current = frames;
    if (!el) return;
    if (follow) {
      el.scrollTop = count * ROW_H; // the browser clamps it to the bottom; no scrollHeight read
      measure();
      return;
    }
    if (before !== frames && before.length && frames.length && frames[0] !== before[0]) {
      if (frames[0].seq < before[0].seq) {
        // older rows merged in above (a scroll back): scroll down by as many rows
        const added = indexOfSeq(frames, before[0].seq);
        if (added > 0) el.scrollTop += added * ROW_H;
      } else {
        const removed = indexOfSeq(before, frames[0].seq);
        if (removed > 0) el.scrollTop = Math.max(0, el.scrollTop - removed * ROW_H);
      }
      measure();
    }
  }, [follow, count, frames, measure]);

  // A load that added no row this list shows (a filter, another participant's window) leaves it
  // at its top: load on, while there is more.
  useEffect(() => {
    const el = scroller.current;
    if (!el || follow || !olderKey?.startsWith('more')) return;
    if (el.scrollTop < ROW_H && el.scrollHeight > el.clientHeight) onReachTop?.();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [olderKey]);

  // Scroll a requested frame (deep link, another view's selection, keyboard) into view.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!scrollRequest || !el) return;
    const i = indexOfSeq(frames, scrollRequest.seq);
    if (i < 0) return; // not (yet) in the list; asked again when it arrives
    const top = i * ROW_H;
    const view = el.clientHeight;
    if (scrollRequest.align === 'center') el.scrollTop = Math.max(0, top - view / 2 + ROW_H / 2);
    else if (top < el.scrollTop) el.scrollTop = top;
    else if (top + ROW_H > el.scrollTop + view) el.scrollTop = top + ROW_H - view;
    onScrolled(scrollRequest.nonce);
  }, [scrollRequest, frames, count, onScrolled]);

  const onScroll = useCallback(() => {
    const el = scroller.current;
    if (!el) return;
    measure();
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < ROW_H;
    if (atBottom !== follow) onFollowChange(atBottom);
    // at the top of a list taller than its window: ask for what is older
    if (!atBottom && el.scrollTop < ROW_H && el.scrollHeight > el.clientHeight) onReachTop?.();
  }, [follow, onFollowChange, measure, onReachTop]);

  const move = useCallback(
    (delta: number | 'home' | 'end') => {
      if (count === 0) return;
      const cur = selectedSeq === null ? -1 : indexOfSeq(frames, selectedSeq);
      let next: number;
      if (delta === 'home') next = 0;
      else if (delta === 'end') next = count - 1;
      else if (cur < 0) next = delta > 0 ? 0 : count - 1;
      else next = Math.min(count - 1, Math.max(0, cur + delta));
      onSelect(frames[next]);
    },
    [count, frames, selectedSeq, onSelect],
  );

  const onKeyDown = useCallback(
    (e: KeyboardEvent<HTMLDivElement>) => {
      const page = Math.max(1, Math.floor((scroller.current?.clientHeight ?? ROW_H * 10) / ROW_H) - 1);
      const keys: Record<string, () => void> = {
        ArrowDown: () => move(1),
        ArrowUp: () => move(-1),
        PageDown: () => move(page),
        PageUp: () => move(-page),
        Home: () => move('home'),
        End: () => move('end'),
        Enter: () => {
          const i = selectedSeq === null ? -1 : indexOfSeq(frames, selectedSeq);
          if (i >= 0) onOpen(frames[i]);
        },
      };
      const action = keys[e.key];
      if (!action) return;
      e.preventDefault();
      action();
    },
    [move, onOpen, frames, selectedSeq],
  );

  const first = Math.max(0, Math.floor(viewport.top / ROW_H) - OVERSCAN);
  const last = Math.min(count, Math.ceil((viewport.top + viewport.height) / ROW_H) + OVERSCAN);
  const rows = [];
  let activeShown = false;
  for (let i = first; i < last; i++) {
    const f = frames[i];
    if (!f) continue;
    if (f.seq === selectedSeq) activeShown = true;
    const d = decodedOf?.(f) ?? null;
    rows.push(<FrameRow key={f.seq} frame={f} index={i} top={i * ROW_H} selected={f.seq === selectedSeq} onOpen={onOpen} decoder={d?.decoder ?? ''} summary={d ? decodedSummary(d) : ''} />);
  }

  return (
    <div className="frame-list">
      <div className="frame-row frame-head" role="row" aria-rowindex={1}>
        <span role="columnheader">time</span>
        <span role="columnheader">conn</span>
        <span role="columnheader">dir</span>
        <span role="columnheader">opcode</span>
        <span role="columnheader" title="FIN bit">FIN</span>
        <span role="columnheader" title="RSV1 RSV2 RSV3">RSV</span>
        <span role="columnheader" title="MASK bit">MASK</span>
        <span role="columnheader" className="num-col">length</span>
        <span role="columnheader" title="The payload decoded as its subprotocol (Socket.IO, MQTT, STOMP, GraphQL, JSON-RPC)">decoded</span>
        <span role="columnheader">payload preview</span>
      </div>
      {topLine}
      <div
        className="frame-scroll"
        ref={scroller}
        onScroll={onScroll}
        onKeyDown={onKeyDown}
        tabIndex={0}
        role="grid"
        aria-label="Frames, newest last. Arrow keys move the selection, Enter opens the frame."
        aria-rowcount={count + 1}
        aria-activedescendant={activeShown ? `frame-row-${selectedSeq}` : undefined}
        data-count={count}
      >
        {count === 0 ? (
          <p className="frame-empty">{emptyText}</p>
        ) : (
          <div className="frame-canvas" style={{ height: count * ROW_H }}>
            {rows}
          </div>
        )}
      </div>
    </div>
  );
}

interface FrameRowProps {
  frame: FrameEvent;
  index: number;
  top: number;
  selected: boolean;
  onOpen: (f: FrameEvent) => void;
  /** the decoder's id and the decoded summary, '' when the frame was not decoded */
  decoder: string;
  summary: string;
}

const FrameRow = memo(function FrameRow({ frame: f, index, top, selected, onOpen, decoder, summary }: FrameRowProps) {
  const name = frameName(f);
  const control = isControlOpcode(f.opcode);
  const cls = `frame-row op-${name.toLowerCase()}${control ? ' ctrl' : ''}${selected ? ' selected' : ''} ${f.dir}`;
  return (
    <div
      id={`frame-row-${f.seq}`}
      className={cls}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      data-seq={f.seq}
      style={{ transform: `translateY(${top}px)` }}
      onClick={() => onOpen(f)}
    >
      <span role="gridcell" className="c-time">{formatT(f.t)}</span>
      <span role="gridcell" className="c-conn">{f.conn}</span>
      <span role="gridcell" className="c-dir" title={f.dir === 'c2s' ? 'client → server' : 'server → client'}>
        {f.dir === 'c2s' ? 'c→s' : 's→c'}
      </span>
      <span role="gridcell" className="c-op">
        <span className={`op-pill op-${name.toLowerCase()}`}>{name}</span>
      </span>
      <span role="gridcell" className="c-bit">{+f.fin}</span>
      <span role="gridcell" className="c-bit">{rsvText(f)}</span>
      <span role="gridcell" className="c-bit">{+f.masked}</span>
      <span role="gridcell" className="c-len num-col">{f.payloadLength.toLocaleString('en-US')}</span>
      <span role="gridcell" className="c-decoded" title={summary ? `${decoder}: ${showControls(summary)}` : undefined}>
        {summary && <span className={`dec-tag dec-${decoder}`}>{decoder}</span>}
        {summary && ` ${showControls(summary)}`}
      </span>
      <span role="gridcell" className="c-preview">{framePreview(f)}</span>
    </div>
  );
});

/** Keeps a callback's identity while its body sees the latest props (for memoized rows). */
export function useStableCallback<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
  const ref = useRef(fn);
  useEffect(() => {
    ref.current = fn;
  });
  return useCallback((...args: A) => ref.current(...args), []);
}
