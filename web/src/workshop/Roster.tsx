// The presenter's roster: every participant with their connections, one table group each, drawn
// only near where the box is scrolled to (a room of 500 keeps a few dozen rows in the page). The
// box scrolls with the keyboard (it takes focus), a focused remove button keeps its row drawn, and
// a search narrows the list by name.
import { memo, useEffect, useLayoutEffect, useRef, useState, type UIEvent } from 'react';
import { ago, displayPath, rttText, type RosterConn, type RosterRow } from './model.ts';
import { rosterWindow } from './roster-window.ts';
import { RemoveButton } from './RoomTools.tsx';

/** px drawn above and below what the box shows */
const OVERSCAN_PX = 280;
const COLUMNS = 9;

export const Roster = memo(function Roster({ rows, presenterKey, onRemoved }: { rows: readonly RosterRow[]; presenterKey: string; onRemoved: (text: string, ok: boolean) => void }) {
  const box = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewHeight, setViewHeight] = useState(600);
  const [geometry, setGeometry] = useState({ lineHeight: 36, groupExtra: 2 });
  const [focusId, setFocusId] = useState<string | null>(null);
  const [query, setQuery] = useState('');
  const frame = useRef(0);

  const q = query.trim().toLowerCase();
  const shown = q ? rows.filter((r) => r.name.toLowerCase().includes(q)) : rows;
  const lines = shown.map((r) => Math.max(1, r.conns.length));
  const keep = focusId === null ? -1 : shown.findIndex((r) => r.id === focusId);
  const win = rosterWindow(lines, geometry, scrollTop, viewHeight, OVERSCAN_PX, keep);
  let before = 0;
  for (let i = 0; i < win.start; i++) before += lines[i];
  const totalLines = lines.reduce((s, n) => s + n, 0);

  // the rows' real height (fonts, zoom), read from a drawn group once it is in the page, and again
  // after the window is resized (not on every redraw: reading sizes makes the browser lay out now)
  const measured = useRef(false);
  const [, setResized] = useState(0);
  useEffect(() => {
    const again = () => {
      measured.current = false;
      setResized((n) => n + 1);
    };
    window.addEventListener('resize', again);
    return () => window.removeEventListener('resize', again);
  }, []);
  useLayoutEffect(() => {
    const el = box.current;
    if (!el || measured.current) return;
    setViewHeight(el.clientHeight);
    const group = el.querySelector<HTMLElement>('tbody[data-participant]');
    const cell = group?.querySelector<HTMLElement>('tr > *');
    if (!group || !cell) return;
    const extra = parseFloat(getComputedStyle(cell).borderTopWidth) || 0;
    const n = group.querySelectorAll('tr').length;
    const lineHeight = (group.getBoundingClientRect().height - extra) / n;
    measured.current = true;
    if (lineHeight > 0 && (Math.abs(lineHeight - geometry.lineHeight) > 0.25 || extra !== geometry.groupExtra)) setGeometry({ lineHeight, groupExtra: extra });
  });

  const onScroll = (e: UIEvent<HTMLDivElement>) => {
    const el = e.currentTarget;
    if (frame.current) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      setScrollTop(el.scrollTop);
      setViewHeight(el.clientHeight);
    });
  };

  return (
    <>
      <div className="wk-roster-tools">
        <label className="lab-field wk-find">
          <span>Find a participant</span>
          <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} placeholder="name" data-testid="wk-find" />
        </label>
        <span className="lab-small muted" data-testid="wk-roster-count" aria-live="polite">
          {q ? `${shown.length} of ${rows.length} participants` : `${rows.length} participant${rows.length === 1 ? '' : 's'}`}, {totalLines} row{totalLines === 1 ? '' : 's'}: scroll the list
          (it takes the keyboard: Tab to it, then arrows or Page Down)
        </span>
      </div>
      <div
        className="wk-roster-scroll"
        ref={box}
        onScroll={onScroll}
        tabIndex={0}
        role="region"
        aria-label={`Roster of ${rows.length} participants`}
        data-testid="wk-roster-scroll"
        onFocus={(e) => {
          const id = (e.target as HTMLElement).closest<HTMLElement>('tbody[data-participant]')?.dataset.participant;
          if (id) setFocusId(id);
        }}
      >
        <table className="wk-roster" data-testid="wk-roster" aria-rowcount={totalLines + 1}>
          <thead>
            <tr aria-rowindex={1}>
              <th scope="col">participant</th>
              <th scope="col">conn</th>
              <th scope="col">path</th>
              <th scope="col">state</th>
              <th scope="col" className="num-col">in</th>
              <th scope="col" className="num-col">out</th>
              <th scope="col">active</th>
              <th scope="col" className="num-col">RTT</th>
              <th scope="col">missed · heartbeat</th>
            </tr>
          </thead>
          {win.top > 0 && <Spacer height={win.top} />}
          {shown.slice(win.start, win.end).map((r, k) => {
            let index = before + 2;
            for (let i = win.start; i < win.start + k; i++) index += lines[i];
            return <Group key={r.id} r={r} index={index} presenterKey={presenterKey} onRemoved={onRemoved} />;
          })}
          {win.bottom > 0 && <Spacer height={win.bottom} />}
        </table>
        {q && shown.length === 0 && <p className="muted wk-none">Nobody&apos;s name has “{query.trim()}” in it.</p>}
      </div>
    </>
  );
});

/** The height of the groups not drawn, so the scrollbar stays true. */
function Spacer({ height }: { height: number }) {
  return (
    <tbody className="wk-spacer" aria-hidden="true">
      <tr>
        <td colSpan={COLUMNS} style={{ height }} />
      </tr>
    </tbody>
  );
}

const Group = memo(function Group({ r, index, presenterKey, onRemoved }: { r: RosterRow; index: number; presenterKey: string; onRemoved: (text: string, ok: boolean) => void }) {
  const who = (rowSpan: number) => (
    <th scope="row" rowSpan={rowSpan} className="wk-who">
      <span className="wk-name" title={r.name}>
        {r.name}
      </span>
      <RemoveButton id={r.id} name={r.name} presenterKey={presenterKey} onDone={onRemoved} />
    </th>
  );
  return (
    <tbody data-participant={r.id}>
      {r.conns.length === 0 ? (
        <tr aria-rowindex={index}>
          {who(1)}
          <td colSpan={COLUMNS - 1} className="muted">
            no connection
          </td>
        </tr>
      ) : (
        r.conns.map((c, i) => (
          <tr key={c.conn} aria-rowindex={index + i} className={c.state === 'closed' ? 'wk-closed' : undefined}>
            {i === 0 && who(r.conns.length)}
            <ConnCells c={c} />
          </tr>
        ))
      )}
    </tbody>
  );
});

function ConnCells({ c }: { c: RosterConn }) {
  return (
    <>
      <td className="num">{c.conn}</td>
      <td className="wk-path" title={c.path}>
        {displayPath(c.path)}
      </td>
      <td>
        <span className={`conn-state ${c.state === 'open' ? 'open' : 'closed'}`}>{c.state === 'closed' ? c.closeText : c.state}</span>
      </td>
      <td className="num num-col">{c.framesIn}</td>
      <td className="num num-col">{c.framesOut}</td>
      <td>{ago(c.idleMs)}</td>
      <td className="num num-col">{rttText(c.rtt)}</td>
      <td className={c.missed > 0 && c.state !== 'closed' ? 'wk-missing' : undefined}>
        {c.intervalMs ? `${c.missed}/${c.maxMisses} · ${c.intervalMs} ms` : 'off'}
      </td>
    </>
  );
}
