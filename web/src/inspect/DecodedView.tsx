// A frame's payload decoded as its subprotocol: each item's summary, its fields as a list of
// name → value (untrusted text, rendered as text with control characters made visible), a note
// when the bytes ran out before the item did, and the sentence when the bytes break the protocol.
import type { Decoded } from '../../../server/core/decoders/index.ts';
import { showControls } from './model.ts';

export function DecodedView({ decoded, truncated }: { decoded: Decoded; truncated: boolean }) {
  const anyCut = decoded.items.some((i) => i.cut);
  return (
    <section className="frame-section decoded" aria-label="Decoded" data-decoder={decoded.decoder}>
      <h3 className="section-title">Decoded: {decoded.protocol}</h3>
      {decoded.items.map((item, i) => (
        <div className={`decoded-item${item.malformed ? ' malformed' : ''}`} key={i}>
          <p className="decoded-summary">
            <span className={`dec-tag dec-${decoded.decoder}`}>{decoded.decoder}</span> {showControls(item.summary)}
          </p>
          {item.fields.length > 0 && (
            <dl className="decoded-fields">
              {item.fields.map(([name, value], k) => (
                <div key={k} data-field={name}>
                  <dt>{name}</dt>
                  <dd>{showControls(value)}</dd>
                </div>
              ))}
            </dl>
          )}
          {item.malformed && (
            <p className="note warn decoded-malformed" role="note">
              Malformed: {item.malformed}
            </p>
          )}
        </div>
      ))}
      {anyCut && (
        <p className="note decoded-cut">
          {truncated
            ? 'The event carries only the first bytes of this payload, so the decoding stops where they do: fields after that are not shown and the last one may be cut.'
            : 'The message goes on past this frame, so the decoding stops where the frame does.'}
        </p>
      )}
    </section>
  );
}
