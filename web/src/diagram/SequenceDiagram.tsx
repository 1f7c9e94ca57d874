// The live sequence diagram: the store's events for one connection (or several, or all) drawn by
// server/core/diagram/sequence.ts and mermaid. Redrawn at most a few times a second; windowed to the
// last N events; follow or pause; clicking an arrow selects its frame in every view.
import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import { buildSequenceDiagram, type Diagram } from '../../../server/core/diagram/sequence.ts';
import type { WslabEvent } from '../../../server/core/events/schema.ts';
import { getStore } from '../store/store.ts';
import { select, useSelection } from '../store/selection.ts';
import { connBySeq, eventsFor } from './model.ts';
import { renderDiagram } from './mermaid.ts';
import './diagram.css';

export interface SequenceDiagramProps {
  /** one connection; all connections when undefined (and `conns` is not given) */
  conn?: string;
  /** several connections (e.g. the playground's own); ignored when `conn` is set */
  conns?: readonly string[];
  /** events in the window at first (default 40) */
  initialWindow?: number;
  /** heading text (default "Sequence diagram") */
  title?: string;
  /** what to say while there is nothing to draw */
  emptyHint?: string;
  /**
   * Fit the drawing to its panel's width: labels are cut to what the lifelines' gaps can hold
   * (the full text shows on hover), so every lifeline stays in view.
   */
  fitToPanel?: boolean;
  /**
   * Chooses the events to draw from the store's, in place of `conn`/`conns` (a page telling one
   * story, e.g. the capstone). Keep it stable (useCallback): a new function redraws.
   */
  pick?: (events: readonly WslabEvent[]) => WslabEvent[];
}

/** At most this often, in ms. */
const REDRAW_EVERY = 350;

export function SequenceDiagram({ conn, conns, initialWindow = 40, title = 'Sequence diagram', emptyHint, fitToPanel = false, pick: choose }: SequenceDiagramProps) {
  const store = getStore();
  const [windowSize, setWindowSize] = useState(initialWindow);
  const [follow, setFollow] = useState(true);
  const [diagram, setDiagram] = useState<Diagram | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [drawn, setDrawn] = useState(0);
  const seqConn = useRef(new Map<number, string>());
  const host = useRef<HTMLDivElement>(null);
  const selection = useSelection();
  const headingId = useId();
  // the panel's width, in steps of 16 px so a resize does not redraw on every pixel
  const [panelWidth, setPanelWidth] = useState<number | null>(null);
  // while following, the newest arrow stays in view unless the learner scrolled up to read
  const pinned = useRef(true);

  useEffect(() => {
    const box = host.current?.parentElement;
    if (!fitToPanel || !box || typeof ResizeObserver !== 'function') return;
    const measure = () => {
      const pad = parseFloat(getComputedStyle(box).paddingLeft) + parseFloat(getComputedStyle(box).paddingRight);
      setPanelWidth(Math.max(200, Math.floor((box.clientWidth - pad) / 16) * 16));
    };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(box);
    return () => ro.disconnect();
  }, [fitToPanel]);

  const connKey = conn ?? (conns ? conns.join(',') : '*');
  const filter = useMemo<ReadonlySet<string> | null>(() => (conn ? new Set([conn]) : conns ? new Set(conns) : null), [connKey]); // eslint-disable-line react-hooks/exhaustive-deps

  // Build the mermaid text from the store, throttled; only while following.
  useEffect(() => {
    if (!follow) return;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let last = 0;
    let seen = -1;
    const rebuild = () => {
      timer = null;
      last = performance.now();
      seen = store.version('events');
      const events = choose ? choose(store.events) : eventsFor(store.events, filter);
      seqConn.current = connBySeq(events);
      const next = buildSequenceDiagram(events, { window: windowSize, ...(fitToPanel && panelWidth !== null ? { fitWidth: panelWidth } : {}) });
      setDiagram((prev) => (prev && prev.text === next.text ? prev : next));
    };
    const onChange = () => {
      if (store.version('events') === seen || timer) return;
      timer = setTimeout(rebuild, Math.max(0, last + REDRAW_EVERY - performance.now()));
    };
    rebuild();
    const unsubscribe = store.subscribe(onChange);
    return () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
    };
  }, [store, filter, windowSize, follow, fitToPanel, panelWidth, choose]);

  // Render with mermaid whenever the text changed; a newer render wins over an older one. Nothing
  // to draw draws nothing: the empty notice shows instead, and no stale drawing stays behind it.
  useEffect(() => {
    if (!diagram) return;
    if (isEmpty(diagram)) {
      host.current?.replaceChildren();
      return;
    }
    let cancelled = false;
    renderDiagram(diagram.text)
      .then((svg) => {
        if (cancelled || !host.current) return;
        annotate(svg, diagram);
        host.current.replaceChildren(svg);
        fit(svg, host.current);
        if (pinned.current) host.current.scrollTop = host.current.scrollHeight;
        setError(null);
        setDrawn((n) => n + 1);
      })
      .catch((err: Error) => {
        if (!cancelled) setError(err.message);
      });
    return () => {
      cancelled = true;
    };
  }, [diagram]);

  // Mark the selected arrow.
  useEffect(() => {
    const root = host.current;
    if (!root) return;
    for (const el of Array.from(root.querySelectorAll('.is-selected'))) el.classList.remove('is-selected');
    if (selection.seq === null) return;
    for (const el of Array.from(root.querySelectorAll(`[data-seq="${selection.seq}"]`))) el.classList.add('is-selected');
  }, [selection.seq, drawn]);

  const pick = useCallback((target: EventTarget | null) => {
    const el = (target as Element | null)?.closest?.('[data-seq]');
    if (!el) return false;
    const seq = Number(el.getAttribute('data-seq'));
    select({ seq, conn: seqConn.current.get(seq) ?? null });
    return true;
  }, []);

  const download = (kind: 'mmd' | 'svg') => {
    if (!diagram) return;
    let blob: Blob;
    if (kind === 'mmd') blob = new Blob([diagram.text], { type: 'text/plain;charset=utf-8' });
    else {
      const svg = host.current?.querySelector('svg');
      if (!svg) return;
      blob = new Blob([new XMLSerializer().serializeToString(svg)], { type: 'image/svg+xml' });
    }
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `wslab-sequence${conn ? `-${conn}` : ''}.${kind}`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  };

  const empty = diagram !== null && isEmpty(diagram);

  return (
    <section className="seq-diagram" aria-labelledby={headingId}>
      <header className="seq-toolbar">
        <h2 id={headingId}>{title}</h2>
        <label className="seq-window">
          last{' '}
          <input
            type="number"
            min={5}
            max={500}
            step={5}
            value={windowSize}
            onChange={(e) => setWindowSize(Math.max(5, Math.min(500, Number(e.target.value) || 40)))}
          />{' '}
          events
        </label>
        <button type="button" className="pg-btn" aria-pressed={!follow} onClick={() => setFollow((f) => !f)}>
          {follow ? '❚❚ Pause' : '▶ Follow'}
        </button>
        <button type="button" className="pg-btn" onClick={() => download('mmd')} disabled={!diagram}>
          .mmd
        </button>
        <button type="button" className="pg-btn" onClick={() => download('svg')} disabled={!diagram}>
          .svg
        </button>
      </header>
      {diagram && diagram.omitted > 0 && (
        <p className="seq-note">
          {diagram.omitted} earlier {diagram.omitted === 1 ? 'event is' : 'events are'} outside the window.
        </p>
      )}
      {!follow && <p className="seq-note">Paused: new events are stored but not drawn.</p>}
      {error && (
        <p className="seq-note error" role="alert">
          Could not draw the diagram: {error}
        </p>
      )}
      {empty && <p className="seq-empty">{emptyHint ?? 'Nothing to draw yet: open a connection and send a message.'}</p>}
      <div
        ref={host}
        className="seq-canvas"
        hidden={empty}
        data-testid="sequence-diagram"
        onClick={(e) => pick(e.target)}
        onScroll={(e) => {
          const el = e.currentTarget;
          pinned.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 12;
        }}
        onKeyDown={(e) => {
          if ((e.key === 'Enter' || e.key === ' ') && pick(e.target)) e.preventDefault();
        }}
      />
      <p className="seq-help muted">
        Click an arrow (or Tab to it and press Enter) to select that frame{fitToPanel ? '; hover a shortened label for its full text' : ''}.
      </p>
    </section>
  );
}

/** A diagram with no arrow and no note: nothing a learner could read. */
function isEmpty(diagram: Diagram): boolean {
  return diagram.arrows.length === 0 && !/Note over/.test(diagram.text);
}

/**
 * Sizes the drawing: its natural width when it fits; else shrunk to the box, but never below 65%
 * (labels stay readable on a projector) — past that the box scrolls sideways.
 */
function fit(svg: SVGSVGElement, box: HTMLElement): void {
  const vb = svg.viewBox.baseVal;
  const natural = vb && vb.width ? vb.width : svg.getBBox().width;
  const room = box.clientWidth || natural;
  const width = Math.round(Math.min(natural, Math.max(room, natural * 0.65)));
  svg.setAttribute('width', String(width));
  if (vb && vb.width) svg.setAttribute('height', String(Math.round((vb.height * width) / vb.width)));
}

/**
 * Ties each drawn message to its event: mermaid draws one `text.messageText` per message arrow,
 * in the order of the source lines, which is the order of `diagram.arrows`.
 */
function annotate(svg: SVGSVGElement, diagram: Diagram): void {
  const texts = Array.from(svg.querySelectorAll('text.messageText'));
  const lines = Array.from(svg.querySelectorAll('.messageLine0, .messageLine1'));
  texts.forEach((el, i) => {
    const seq = diagram.arrows[i];
    if (seq === undefined) return;
    el.setAttribute('data-seq', String(seq));
    el.setAttribute('tabindex', '0');
    el.setAttribute('role', 'button');
    const full = diagram.titles[i] ?? el.textContent ?? '';
    el.setAttribute('aria-label', `Select event ${seq}: ${full}`);
    // the label in full on hover (set as text: it is never parsed)
    const title = document.createElementNS('http://www.w3.org/2000/svg', 'title');
    title.textContent = full;
    el.prepend(title);
    if (lines.length === texts.length) lines[i].setAttribute('data-seq', String(seq));
  });
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `Sequence diagram with ${diagram.arrows.length} messages`);
  svg.removeAttribute('style');
}
