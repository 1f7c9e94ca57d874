// A payload shown for reading. Untrusted bytes are only ever rendered as React text.
import { RfcRef } from './Rfc.tsx';
import { HexAscii } from './HexAscii.tsx';
import type { PayloadView as View } from './payload.ts';

export function PayloadView({ view }: { view: View }) {
  switch (view.kind) {
    case 'empty':
      return <p className="payload-empty">No payload (0 bytes).</p>;
    case 'text':
      return (
        <div className="payload-text">
          <span className="payload-kind">UTF-8 text</span>
          <pre className="payload-pre">{view.text}</pre>
        </div>
      );
    case 'json':
      return (
        <div className="payload-json">
          <span className="payload-kind">JSON</span>
          {view.envelope.length > 0 && (
            <dl className="envelope" aria-label="Message envelope">
              {view.envelope.map(({ field, json }) => (
                <div key={field} className={`envelope-${field}`}>
                  <dt>{field}</dt>
                  <dd>
                    <pre>{json}</pre>
                  </dd>
                </div>
              ))}
            </dl>
          )}
          <details open={view.envelope.length === 0}>
            <summary>Whole JSON</summary>
            <pre className="payload-pre">{view.pretty}</pre>
          </details>
        </div>
      );
    case 'binary':
      return (
        <div className="payload-binary">
          <span className="payload-kind">bytes</span>
          {view.note && <p className="note">{view.note}</p>}
          <HexAscii bytes={view.bytes} />
        </div>
      );
    case 'close':
      return (
        <div className="payload-close">
          <span className="payload-kind">close</span>
          <dl className="close-info">
            <div>
              <dt>code</dt>
              <dd>
                {view.code !== null ? (
                  <>
                    <strong className="close-code">{view.code}</strong> {view.name}
                  </>
                ) : (
                  '—'
                )}
              </dd>
            </div>
            {view.meaning && (
              <div>
                <dt>meaning</dt>
                <dd>{view.meaning}</dd>
              </div>
            )}
            <div>
              <dt>reason</dt>
              <dd>{view.reason ? <q>{view.reason}</q> : <span className="muted">(none)</span>}</dd>
            </div>
          </dl>
          {view.problem && <p className="note warn">{view.problem}</p>}
          <p className="field-rfc">
            <RfcRef sections="5.5.1, 7.4" />
          </p>
        </div>
      );
  }
}
