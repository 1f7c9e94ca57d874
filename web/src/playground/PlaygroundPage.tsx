// /playground: the learner's own connections. Four tools on the left (the browser WebSocket, a
// puppet client, a terminal, the frame builder), and on the right what the server saw of them:
// the frame list and the live sequence diagram. The tool in use is in the URL (?tab=...).
import { lazy, Suspense, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { useSearchParams } from 'react-router';
import { Page } from '../shell/Page.tsx';
import { SequenceDiagram } from '../diagram/SequenceDiagram.tsx';
import { FrameBuilder } from '../builder/FrameBuilder.tsx';
import { useOwnConns } from '../ws/own-conns.ts';
import { BrowserPanel } from './BrowserPanel.tsx';
import { OwnFrames } from './OwnFrames.tsx';
import { PuppetPanel } from './PuppetPanel.tsx';
import { SelectedFrame } from './SelectedFrame.tsx';
import './playground.css';

// xterm is loaded with the terminal tab, not with the page.
const TerminalPanel = lazy(() => import('../terminal/Terminal.tsx').then((m) => ({ default: m.TerminalPanel })));

const TABS = [
  { id: 'browser', label: 'Browser' },
  { id: 'puppet', label: 'Puppet' },
  { id: 'terminal', label: 'Terminal' },
  { id: 'builder', label: 'Frame builder' },
] as const;
type TabId = (typeof TABS)[number]['id'];

export function PlaygroundPage() {
  const [params, setParams] = useSearchParams();
  const fromUrl = params.get('tab');
  const tab: TabId = TABS.some((t) => t.id === fromUrl) ? (fromUrl as TabId) : 'browser';
  // panels stay mounted once opened, so a terminal session survives a look at another tab
  const [opened, setOpened] = useState<Set<TabId>>(() => new Set([tab]));
  if (!opened.has(tab)) setOpened(new Set([...opened, tab]));
  const tabRefs = useRef(new Map<TabId, HTMLButtonElement>());
  const own = useOwnConns();
  const [scope, setScope] = useState<string>('latest');
  const ownConns = useMemo(() => own.map((o) => o.conn).filter((c): c is string => c !== null), [own]);
  const ownSet = useMemo(() => new Set(ownConns), [ownConns]);
  const latest = ownConns[ownConns.length - 1];

  const choose = (id: TabId, focus = false) => {
    const next = new URLSearchParams(params);
    if (id === 'browser') next.delete('tab');
    else next.set('tab', id);
    setParams(next, { replace: true, preventScrollReset: true });
    if (focus) tabRefs.current.get(id)?.focus();
  };

  const onKey = (e: KeyboardEvent) => {
    const i = TABS.findIndex((t) => t.id === tab);
    let j = -1;
    if (e.key === 'ArrowRight') j = (i + 1) % TABS.length;
    else if (e.key === 'ArrowLeft') j = (i + TABS.length - 1) % TABS.length;
    else if (e.key === 'Home') j = 0;
    else if (e.key === 'End') j = TABS.length - 1;
    if (j < 0) return;
    e.preventDefault();
    choose(TABS[j].id, true);
  };

  return (
    <Page
      title="Playground"
      lead="Open connections to this server’s labs — from the page, from a puppet the server runs for you, from a terminal, or byte by byte — and see what crossed the wire."
    >
      <div className="pg-grid">
        <div className="pg-tools">
          <div className="pg-tabs" role="tablist" aria-label="Tools" onKeyDown={onKey}>
            {TABS.map((t) => (
              <button
                key={t.id}
                ref={(el) => {
                  if (el) tabRefs.current.set(t.id, el);
                }}
                type="button"
                role="tab"
                id={`tab-${t.id}`}
                aria-selected={tab === t.id}
                aria-controls={`panel-${t.id}`}
                tabIndex={tab === t.id ? 0 : -1}
                onClick={() => choose(t.id)}
              >
                {t.label}
              </button>
            ))}
          </div>
          {TABS.map((t) =>
            opened.has(t.id) ? (
              <div key={t.id} role="tabpanel" id={`panel-${t.id}`} aria-labelledby={`tab-${t.id}`} hidden={tab !== t.id} className="pg-tab-panel">
                {t.id === 'browser' && <BrowserPanel />}
                {t.id === 'puppet' && <PuppetPanel />}
                {t.id === 'terminal' && (
                  <Suspense fallback={<p className="hint">Loading the terminal…</p>}>
                    <div className="pg-panel">
                      <TerminalPanel height="22rem" />
                      <p className="terminal-help">
                        Try <code>connect /lab/echo</code>, <code>send hello</code>, <code>connect /lab/echo --puppet</code>, <code>/ping</code>,{' '}
                        <code>/close 4000 bye</code>, <code>frames</code>, <code>help</code>.
                      </p>
                    </div>
                  </Suspense>
                )}
                {t.id === 'builder' && <FrameBuilder />}
              </div>
            ) : null,
          )}
        </div>
        <aside className="pg-live" aria-label="What the server saw">
          <OwnFrames conns={ownSet} />
          <label className="pg-field pg-inline pg-scope">
            <span>Diagram</span>
            <select value={scope} onChange={(e) => setScope(e.target.value)}>
              <option value="latest">your newest connection{latest ? ` (${latest})` : ''}</option>
              <option value="mine">all your connections</option>
              <option value="all">every connection on the server</option>
              {own
                .filter((o) => o.conn)
                .map((o) => (
                  <option key={o.key} value={o.conn!}>
                    {o.conn}: {o.label}
                  </option>
                ))}
            </select>
          </label>
          {scope === 'all' ? (
            <SequenceDiagram key="all" fitToPanel emptyHint="No connections on the server yet." />
          ) : scope === 'mine' ? (
            <SequenceDiagram key="mine" fitToPanel conns={ownConns} emptyHint="Nothing yet: connect with one of the tools and send a message." />
          ) : (
            <SequenceDiagram
              key="one"
              fitToPanel
              conns={scope === 'latest' ? (latest ? [latest] : []) : [scope]}
              emptyHint="Nothing yet: connect with one of the tools and send a message."
            />
          )}
          <SelectedFrame />
        </aside>
      </div>
    </Page>
  );
}
