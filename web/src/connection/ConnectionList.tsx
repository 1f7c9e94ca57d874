// The connections the page knows about, newest first: pick one to see its handshake and states.
import { useStoreSelector } from '../store/hooks.ts';
import { getStore } from '../store/store.ts';
import { connRows } from './model.ts';

const MAX_ROWS = 200;

export function ConnectionList({ selected, onPick }: { selected: string | null; onPick: (conn: string) => void }) {
  // re-render when a row's visible content changed, not on every frame of every connection
  useStoreSelector((s) => {
    let key = '';
    for (const v of s.conns.values()) key += `${v.conn}:${v.close ? 1 : 0}:${v.frames};`;
    return key;
  }, []);
  const rows = connRows(getStore().conns.values());
  const shown = rows.slice(0, MAX_ROWS);
  return (
    <section className="conn-list" aria-label="Connections">
      <h3 className="section-title">
        Connections <span className="muted">({rows.length})</span>
      </h3>
      {rows.length === 0 ? (
        <p className="note">No lab connections yet. Open one from the playground, or e.g. <code>wscat -c ws://HOST/lab/echo</code>.</p>
      ) : (
        <table className="conn-table">
          <thead>
            <tr>
              <th scope="col">conn</th>
              <th scope="col">lab</th>
              <th scope="col">client</th>
              <th scope="col">state</th>
              <th scope="col" className="num-col">frames</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <tr key={r.conn} className={r.conn === selected ? 'selected' : undefined} aria-selected={r.conn === selected}>
                <td>
                  <button type="button" className="link-button" onClick={() => onPick(r.conn)} data-conn={r.conn}>
                    {r.conn}
                  </button>
                </td>
                <td>{r.lab}</td>
                <td>{r.client}</td>
                <td>
                  <span className={`conn-state ${r.open ? 'open' : 'closed'}`}>{r.open ? 'open' : `closed${r.closeCode !== null ? ` ${r.closeCode}` : ''}`}</span>
                </td>
                <td className="num-col num">{r.frames.toLocaleString('en-US')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {rows.length > MAX_ROWS && <p className="note">Showing the newest {MAX_ROWS} of {rows.length}.</p>}
    </section>
  );
}
