// The browser WebSocket's readyState as a state machine: the four states as nodes, the current one
// lit, the last transition drawn bold. Every edge is a transition the API can really take.
import type { ReadyState, Transition } from '../ws/browser-client.ts';
import { STATE_NAMES } from '../ws/browser-client.ts';

const X = [66, 240, 414, 588];
const Y = 92;
const W = 120;
const H = 50;

interface Edge {
  from: ReadyState;
  to: ReadyState;
  label: string;
  /** path for the arrow */
  d: string;
  lx: number;
  ly: number;
}

const right = (i: number) => X[i] + W / 2;
const left = (i: number) => X[i] - W / 2;

const EDGES: Edge[] = [
  { from: 0, to: 1, label: 'open', d: `M${right(0)},${Y} L${left(1) - 4},${Y}`, lx: (X[0] + X[1]) / 2, ly: Y - 8 },
  { from: 1, to: 2, label: 'close()', d: `M${right(1)},${Y} L${left(2) - 4},${Y}`, lx: (X[1] + X[2]) / 2, ly: Y - 8 },
  { from: 2, to: 3, label: 'close', d: `M${right(2)},${Y} L${left(3) - 4},${Y}`, lx: (X[2] + X[3]) / 2, ly: Y - 8 },
  { from: 0, to: 2, label: 'close() early', d: `M${X[0]},${Y - H / 2} C${X[0]},${Y - 78} ${X[2]},${Y - 78} ${X[2]},${Y - H / 2 - 4}`, lx: X[1], ly: Y - 64 },
  { from: 1, to: 3, label: 'connection lost', d: `M${X[1] + 20},${Y + H / 2} C${X[1] + 20},${Y + 62} ${X[3] - 20},${Y + 62} ${X[3] - 20},${Y + H / 2 + 4}`, lx: (X[1] + X[3]) / 2, ly: Y + 58 },
  { from: 0, to: 3, label: 'failed (error)', d: `M${X[0] - 20},${Y + H / 2} C${X[0] - 20},${Y + 92} ${X[3] + 20},${Y + 92} ${X[3] + 20},${Y + H / 2 + 4}`, lx: (X[0] + X[3]) / 2, ly: Y + 88 },
];

export function StateMachine({ state, transitions }: { state: ReadyState | null; transitions: Transition[] }) {
  const moves = transitions.filter((t) => t.to !== null);
  const last = moves[moves.length - 1];
  const taken = new Set(moves.filter((t) => t.from !== null).map((t) => `${t.from}-${t.to}`));
  return (
    <figure className="state-machine">
      <svg viewBox="0 0 654 196" role="img" aria-label={`readyState: ${state === null ? 'no socket' : `${state} ${STATE_NAMES[state]}`}`}>
        <defs>
          <marker id="sm-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" className="sm-arrowhead" />
          </marker>
          <marker id="sm-arrow-hot" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" className="sm-arrowhead hot" />
          </marker>
        </defs>
        {EDGES.map((e) => {
          const hot = last && last.from === e.from && last.to === e.to;
          const seen = taken.has(`${e.from}-${e.to}`);
          return (
            <g key={`${e.from}-${e.to}`} className={`sm-edge${hot ? ' hot' : seen ? ' seen' : ''}`}>
              <path d={e.d} markerEnd={`url(#${hot ? 'sm-arrow-hot' : 'sm-arrow'})`} />
              <text x={e.lx} y={e.ly} textAnchor="middle">
                {e.label}
              </text>
            </g>
          );
        })}
        {X.map((x, i) => (
          <g key={i} className={`sm-node${state === i ? ' current' : ''}`} data-state={i}>
            <rect x={x - W / 2} y={Y - H / 2} width={W} height={H} rx={10} />
            <text x={x} y={Y - 4} textAnchor="middle" className="sm-num">
              {i}
            </text>
            <text x={x} y={Y + 16} textAnchor="middle" className="sm-name">
              {STATE_NAMES[i]}
            </text>
          </g>
        ))}
      </svg>
      <figcaption className="pg-visually-hidden">
        The four readyStates of a WebSocket. {state === null ? 'No socket yet.' : `Now ${STATE_NAMES[state]} (${state}).`}
        {last ? ` Last transition: ${last.from ?? 'start'} to ${last.to}, ${last.cause}.` : ''}
      </figcaption>
    </figure>
  );
}
