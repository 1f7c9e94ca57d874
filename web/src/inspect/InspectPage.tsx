// /inspect: every frame of every lab connection in one windowed list, filters, pause/clear/export,
// follow mode; beside it the frame taken apart (the /decode anatomy) or its connection (handshake,
// accept check, ready states, RTTs, buffers). `?seq=N` deep-links a frame, `?conn=c3` a connection;
// the selection is shared with the other views (web/src/store/selection.ts).
import { memo, useCallback, useDeferredValue, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { ConnectionList } from '../connection/ConnectionList.tsx';
import { ConnectionView } from '../connection/ConnectionView.tsx';
import { useStoreSelector, useStoreSlice, useThrottledSlice } from '../store/hooks.ts';
import { getSelection, select, useSelection } from '../store/selection.ts';
import { getStore, OLDER_WINDOW, type EventStore } from '../store/store.ts';
import { getDecodedFrames } from './decoded.ts';
import { FrameDetail } from './FrameDetail.tsx';
import { ExportButtons, ImportBanner, ImportButton } from './ImportFile.tsx';
import { FrameList, useStableCallback, type ScrollRequest } from './FrameList.tsx';
import {
  DEFAULT_FILTER,
  FilteredFrames,
  OPCODE_CHOICES,
  compileFilter,
  indexOfSeq,
  listNotices,
  messageOpcodeOf,
  toNdjson,
  type FrameEvent,
  type FrameFilter,
} from './model.ts';
import './inspect.css';

type Tab = 'frame' | 'conn';

const LIST_REDRAW_MS = 100;

/** What the URL says: a frame (?seq=N) or a connection (?conn=c3). */
function readParams(p: URLSearchParams): { seq: number | null; conn: string | null } {
  const raw = p.get('seq');
  const seq = raw !== null && /^\d+$/.test(raw) ? Number(raw) : null;
  return { seq, conn: p.get('conn') || null };
}

function searchFor(tab: Tab, seq: number | null, conn: string | null): string {
  if (tab === 'frame' && seq !== null) return `seq=${seq}`;
  if (tab === 'conn' && conn) return `conn=${encodeURIComponent(conn)}`;
  return '';
}

export function InspectPage() {
  const pageRef = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    document.title = 'Inspect · wslab';
    // the page fills the window under the top bar, whatever its height (fonts, zoom, projector)
    const bar = document.querySelector<HTMLElement>('.topbar');
    const page = pageRef.current;
    if (!bar || !page) return;
    const fit = () => page.style.setProperty('--topbar-h', `${bar.offsetHeight}px`);
    fit();
    const ro = new ResizeObserver(fit);
    ro.observe(bar);
    return () => ro.disconnect();
  }, []);
  // the list redraws at most 10 times a second: readable, and cheap under a flood of frames
  const store = useThrottledSlice('frames', LIST_REDRAW_MS);
  useStoreSlice('status');
  const selection = useSelection();
  const [searchParams, setSearchParams] = useSearchParams();

  // --- filters ---
  const [filter, setFilter] = useState<FrameFilter>(DEFAULT_FILTER);
  const deferred = useDeferredValue(filter);
  // subprotocol decoding runs over new frames before filtering, so decoded fields can be filtered on
  const decoded = getDecodedFrames(store);
  const decodedOf = useCallback((f: FrameEvent) => decoded.get(f), [decoded]);
  const compiled = useMemo(() => compileFilter(deferred, decodedOf), [deferred, decodedOf]);
  const filtered = useRef(new FilteredFrames()).current;
  filtered.update(store.frames, compiled);
  const frames = filtered.matched;
  const patch = useCallback((p: Partial<FrameFilter>) => setFilter((f) => ({ ...f, ...p })), []);

  // --- panel, follow, scrolling ---
  const initial = useRef(readParams(searchParams)).current;
  const [tab, setTab] = useState<Tab>(initial.seq === null && initial.conn ? 'conn' : 'frame');
  const [follow, setFollow] = useState(initial.seq === null);
  const [scrollRequest, setScrollRequest] = useState<ScrollRequest | null>(null);
  const nonce = useRef(0);
  const requestScroll = useCallback((seq: number, align: ScrollRequest['align']) => {
    setScrollRequest({ seq, align, nonce: ++nonce.current });
  }, []);
  const onScrolled = useCallback((n: number) => setScrollRequest((r) => (r && r.nonce === n ? null : r)), []);

  // The seq this page selected itself; any other selection came from elsewhere (the diagram, a link).
  const own = useRef<number | null>(null);
  const written = useRef<string | null>(null);

  // The URL on arrival (and on back/forward): select what it names.
  useEffect(() => {
    const p = readParams(searchParams);
    const search = searchParams.toString();
    if (search === written.current) return;
    written.current = search;
    if (p.seq !== null) {
      select({ seq: p.seq, ...(p.conn ? { conn: p.conn } : {}) });
      setTab('frame');
    } else if (p.conn) {
      select({ conn: p.conn });
      setTab('conn');
    }
  }, [searchParams]);

  // A selection made elsewhere: open that frame and scroll to it.
  useEffect(() => {
    if (selection.seq === null || selection.seq === own.current) return;
    own.current = selection.seq;
    setTab('frame');
    setFollow(false);
    requestScroll(selection.seq, 'center');
  }, [selection.seq, requestScroll]);

  // Reflect what is shown in the URL, so a link reproduces it.
  useEffect(() => {
    // read the selection afresh: the URL effect above may have just changed it
    const now = getSelection();
    const search = searchFor(tab, now.seq, now.conn);
    if (search === written.current) return;
    written.current = search;
    setSearchParams(new URLSearchParams(search), { replace: true, preventScrollReset: true });
  }, [tab, selection.seq, selection.conn, setSearchParams]);

  const onSelect = useStableCallback((f: FrameEvent) => {
    own.current = f.seq;
    select({ seq: f.seq, conn: f.conn });
    requestScroll(f.seq, 'auto');
  });
  const onOpen = useStableCallback((f: FrameEvent) => {
    own.current = f.seq;
    select({ seq: f.seq, conn: f.conn });
    setTab('frame');
  });
  const showConnection = useStableCallback((conn: string) => {
    select({ conn });
    setTab('conn');
  });
  const closeDetail = useStableCallback(() => {
    own.current = null;
    select({ seq: null });
  });
  const showFramesOf = useStableCallback((conn: string) => {
    patch({ conn });
    setFollow(true);
  });

  // --- actions ---
  const exportFrames = () => {
    const blob = new Blob([toNdjson(frames)], { type: 'application/x-ndjson' });
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = `wslab-frames-${new Date().toISOString().replace(/[:.]/g, '-')}.ndjson`;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };

  const notices = listNotices({
    evictedFrames: store.evictedFrames,
    clearedFrames: store.clearedFrames,
    evictedUntil: store.evictedUntil,
    maxFrames: store.limits.maxFrames,
    missed: store.missed,
    skipped: store.skipped,
    paused: store.paused,
  });
  const total = store.frames.length;
  const received = total + store.evictedFrames;

  // --- older history (a scroll back) ---
  const olderKind = store.older.kind;
  const hasFloor = store.floorSeq !== null;
  useEffect(() => {
    // once the page knows where its history starts: how many older events the server has
    if (hasFloor && olderKind === 'unknown') void store.loadOlder({ probe: true });
  }, [store, hasFloor, olderKind]);
  const loadOlder = useStableCallback(() => {
    if (store.older.kind === 'more' || store.older.kind === 'error') void store.loadOlder();
  });

  // the frame the selection names
  const selIndex = selection.seq === null ? -1 : indexOfSeq(store.frames, selection.seq);
  const selFrame = selIndex >= 0 ? store.frames[selIndex] : null;
  const messageOpcode = selIndex >= 0 ? messageOpcodeOf(store.frames, selIndex) : 0;

  // a frame selected by seq alone (a link, the diagram) puts its connection in focus
  const selFrameSeq = selFrame?.seq;
  useEffect(() => {
    if (!selFrame) return;
    if (getSelection().conn !== selFrame.conn) select({ conn: selFrame.conn });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [selFrameSeq]);

  return (
    <div className="inspect-page" ref={pageRef}>
      <div className="inspect-head">
        <h1 title="Every frame of every lab connection, as it crossed the wire">Inspect</h1>
        <p className={`stream-status ${store.imported ? 'file' : store.status}`} role="status">
          {store.imported ? 'showing a file' : `event stream: ${store.status}`}
        </p>
        <Link className="inspect-intercept" to="/intercept" title="wslab proxy: drop, rewrite, delay, hold and inject messages">
          Intercept
        </Link>
        <Actions paused={store.paused} follow={follow} setFollow={setFollow} shown={frames.length} total={total} received={received} onExport={exportFrames} importButton={<><ExportButtons conn={filter.conn} /><ImportButton target={pageRef} /></>} />
      </div>
      <ImportBanner />
      <Toolbar filter={filter} patch={patch} error={compiled.error} decodedError={compiled.decodedError} />
      {notices.length > 0 && (
        <div className="list-notices" role="status" aria-label="Frames not in the list">
          {notices.map((n) => (
            <p key={n}>{n}</p>
          ))}
        </div>
      )}
      <div className="inspect-body">
        <FrameList
          frames={frames}
          count={frames.length}
          selectedSeq={selection.seq}
          follow={follow}
          onFollowChange={setFollow}
          onSelect={onSelect}
          onOpen={onOpen}
          decodedOf={decodedOf}
          scrollRequest={scrollRequest}
          onScrolled={onScrolled}
          onReachTop={loadOlder}
          topLine={<OlderLine store={store} onLoad={loadOlder} />}
          olderKey={store.older.kind === 'more' ? `more ${store.older.count}` : store.older.kind}
          emptyText={
            total === 0
              ? store.status === 'open'
                ? 'No frames yet. Connect to a lab (the playground, or wscat -c ws://HOST/lab/echo) and they appear here as they cross the wire. Or open a capture, a HAR or a saved session: drop it here.'
                : 'Connecting to the event stream…'
              : 'No frame matches these filters.'
          }
        />
        <aside className="inspect-panel" aria-label="Details">
          <div className="panel-tabs" role="tablist" aria-label="Detail view">
            <button type="button" role="tab" id="tab-frame" aria-controls="panel-frame" aria-selected={tab === 'frame'} onClick={() => setTab('frame')}>
              Frame{selection.seq !== null ? ` #${selection.seq}` : ''}
            </button>
            <button type="button" role="tab" id="tab-conn" aria-controls="panel-conn" aria-selected={tab === 'conn'} onClick={() => setTab('conn')}>
              Connection{selection.conn ? ` ${selection.conn}` : 's'}
            </button>
          </div>
          {tab === 'frame' ? (
            <div className="panel-body" role="tabpanel" id="panel-frame" aria-labelledby="tab-frame">
              {selFrame ? (
                <MemoDetail frame={selFrame} messageOpcode={messageOpcode} decoded={decoded.get(selFrame)} onShowConnection={showConnection} onClose={closeDetail} />
              ) : selection.seq !== null ? (
                <p className="hint missing-frame">
                  {store.frames.length && selection.seq < store.frames[0].seq && store.evictedFrames > 0
                    ? `Frame #${selection.seq} is no longer in this page's history (older frames were dropped or cleared).`
                    : `Waiting for frame #${selection.seq}…`}
                </p>
              ) : (
                <div className="hint panel-hint">
                  <p>Click a frame (or move with ↑ ↓ and press Enter) to take it apart: header bit by bit, masking key and XOR, payload.</p>
                  <p>
                    Keys in the list: <kbd>↑</kbd> <kbd>↓</kbd> <kbd>PgUp</kbd> <kbd>PgDn</kbd> <kbd>Home</kbd> <kbd>End</kbd> move, <kbd>Enter</kbd> opens.
                  </p>
                </div>
              )}
            </div>
          ) : (
            <div className="panel-body" role="tabpanel" id="panel-conn" aria-labelledby="tab-conn">
              {selection.conn && <ConnectionView conn={selection.conn} onShowFrames={showFramesOf} onClose={() => select({ conn: null })} />}
              <ConnectionList selected={selection.conn} onPick={showConnection} />
            </div>
          )}
        </aside>
      </div>
    </div>
  );
}

const MemoDetail = memo(FrameDetail);

/** Above the first row: what is older than the list, on the server. */
function OlderLine({ store, onLoad }: { store: EventStore; onLoad: () => void }) {
  const o = store.older;
  const n = (x: number) => x.toLocaleString('en-US');
  const events = (x: number) => `${n(x)} older ${x === 1 ? 'event' : 'events'} on the server`;
  let text: string;
  let button: string | null = null;
  switch (o.kind) {
    case 'unknown':
    case 'off':
      return null;
    case 'more':
      if (o.count === 0) return null;
      text = `${events(o.count)} — scroll to the top to load them, ${n(OLDER_WINDOW)} at a time.`;
      button = 'Load older';
      break;
    case 'loading':
      text = o.count === null ? 'Older events on the server — loading…' : `${events(o.count)} — loading…`;
      break;
    case 'beginning':
      text = o.evicted
        ? 'This is the beginning of the history the server still keeps (older events were evicted from its history).'
        : 'This is the beginning of the history.';
      break;
    case 'bound':
      text = `This page holds ${n(store.frames.length)} frames, near its cap of ${n(store.limits.maxFrames)}: ${o.count === null ? 'older events stay' : `${events(o.count)} stay`} there (clear or reload the page to read further back).`;
      break;
    case 'error':
      text = o.message;
      button = 'Try again';
      break;
  }
  return (
    <p className={`older-line ${o.kind}`} role="status" aria-label="Older history">
      <span>{text}</span>
      {button && (
        <button type="button" onClick={onLoad}>
          {button}
        </button>
      )}
    </p>
  );
}

interface ToolbarProps {
  filter: FrameFilter;
  patch: (p: Partial<FrameFilter>) => void;
  error: string | null;
  decodedError: string | null;
}

interface ActionsProps {
  paused: boolean;
  follow: boolean;
  setFollow: (f: boolean) => void;
  shown: number;
  total: number;
  received: number;
  onExport: () => void;
  importButton: React.ReactNode;
}

function Toolbar({ filter, patch, error, decodedError }: ToolbarProps) {
  const connIds = useStoreSelector((s) => Array.from(s.conns.keys()).join(' '), []);
  const conns = connIds ? connIds.split(' ') : [];
  return (
    <div className="inspect-toolbar">
      <form className="filters" role="search" aria-label="Filter frames" onSubmit={(e) => e.preventDefault()}>
        <label>
          <span className="lbl">connection</span>
          <select value={filter.conn ?? ''} onChange={(e) => patch({ conn: e.target.value || null })} id="filter-conn">
            <option value="">all</option>
            {filter.conn && !conns.includes(filter.conn) && <option value={filter.conn}>{filter.conn}</option>}
            {conns.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span className="lbl">direction</span>
          <select value={filter.dir ?? ''} onChange={(e) => patch({ dir: (e.target.value || null) as FrameFilter['dir'] })} id="filter-dir">
            <option value="">both</option>
            <option value="c2s">client → server</option>
            <option value="s2c">server → client</option>
          </select>
        </label>
        <label>
          <span className="lbl">opcode</span>
          <select value={filter.opcode ?? ''} onChange={(e) => patch({ opcode: e.target.value === '' ? null : Number(e.target.value) })} id="filter-opcode">
            <option value="">all</option>
            {OPCODE_CHOICES.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={filter.control} onChange={(e) => patch({ control: e.target.checked })} id="filter-control" />
          control frames
        </label>
        <div className="search">
          <label>
            <span className="lbl">search payload</span>
            <input
              type="search"
              id="filter-search"
              value={filter.search}
              placeholder={filter.regex ? 'regular expression, e.g. "type":"tick"' : 'text in the payload'}
              onChange={(e) => patch({ search: e.target.value })}
              aria-invalid={error !== null}
              aria-describedby={error ? 'search-error' : undefined}
              spellCheck={false}
            />
          </label>
          <label className="check">
            <input type="checkbox" checked={filter.regex} onChange={(e) => patch({ regex: e.target.checked })} id="filter-regex" />
            regex
          </label>
          <label className="check">
            <input type="checkbox" checked={filter.matchCase} onChange={(e) => patch({ matchCase: e.target.checked })} id="filter-case" />
            Aa
          </label>
        </div>
        <label className="decoded-filter" title="Decoded subprotocol fields: name=value, name~text, name!=value, name, or a decoder (sio, mqtt, stomp, gql, rpc); all terms must hold">
          <span className="lbl">decoded fields</span>
          <input
            type="search"
            id="filter-decoded"
            value={filter.decoded}
            placeholder="sio.event=chat mqtt.type=PUBLISH"
            onChange={(e) => patch({ decoded: e.target.value })}
            aria-invalid={decodedError !== null}
            aria-describedby={decodedError ? 'decoded-error' : undefined}
            spellCheck={false}
          />
        </label>
      </form>
      {error && (
        <p className="search-error" id="search-error" role="alert">
          {error}. The search is ignored until it is fixed.
        </p>
      )}
      {decodedError && (
        <p className="search-error" id="decoded-error" role="alert">
          {decodedError}. The decoded-fields filter is ignored until it is fixed.
        </p>
      )}
    </div>
  );
}

function Actions({ paused, follow, setFollow, shown, total, received, onExport, importButton }: ActionsProps) {
  const store = getStore();
  const n = (x: number) => x.toLocaleString('en-US');
  return (
    <div className="actions" role="toolbar" aria-label="Capture">
      <span className="counts" data-shown={shown} data-total={total} data-received={received}>
        {shown === total ? `${n(total)} frames` : `${n(shown)} of ${n(total)} frames`}
      </span>
      <button type="button" onClick={() => store.setPaused(!paused)} aria-pressed={paused} className={paused ? 'paused' : undefined}>
        {paused ? '▶ Resume' : '❚❚ Pause'}
      </button>
      <button type="button" onClick={() => store.clear()}>
        Clear
      </button>
      <button type="button" onClick={onExport} disabled={shown === 0} title="Download the listed (filtered) frames as NDJSON, one event per line">
        Export {n(shown)} as NDJSON
      </button>
      <button type="button" onClick={() => setFollow(!follow)} aria-pressed={follow} className={follow ? 'following' : undefined}>
        {follow ? '⤓ Following' : '⤓ Follow newest'}
      </button>
      {importButton}
    </div>
  );
}
