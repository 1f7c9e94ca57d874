// One frame event drawn whole with the /decode anatomy: the header as it crossed the wire (from
// headerHex), the masking key and the XOR of the preview bytes, the payload as text / JSON /
// hex, the inflated text of a compressed message, the close code's meaning, and a note when
// only the first 128 bytes are known.
import { useMemo } from 'react';
import { FrameAnatomy } from '../anatomy/FrameAnatomy.tsx';
import { PayloadView } from '../anatomy/PayloadView.tsx';
import { XorTable } from '../anatomy/XorTable.tsx';
import { bytesLabel, spacedHex } from '../anatomy/bytes.ts';
import { payloadView, type PayloadView as View } from '../anatomy/payload.ts';
import { formatFrame, frameHeader, opcodeName } from '../../../server/core/wire/index.ts';
import type { Decoded } from '../../../server/core/decoders/index.ts';
import { DecodedView } from './DecodedView.tsx';
import { eventToFrame, formatT, frameName, hexToBytes, showControls, type FrameEvent } from './model.ts';

export interface FrameDetailProps {
  frame: FrameEvent;
  /** the data opcode of the frame's message (for continuation frames) */
  messageOpcode: number;
  /** the payload decoded as its subprotocol, or null */
  decoded?: Decoded | null;
  onShowConnection: (conn: string) => void;
  onClose: () => void;
}

/** The payload view with untrusted text's control characters made visible. */
function visibleView(view: View): View {
  const v = (s: string) => showControls(s, { keepNewlines: true });
  switch (view.kind) {
    case 'text':
      return { kind: 'text', text: v(view.text) };
    case 'json':
      return { kind: 'json', pretty: v(view.pretty), envelope: view.envelope.map((e) => ({ field: e.field, json: v(e.json) })) };
    case 'close':
      return { ...view, reason: v(view.reason) };
    default:
      return view;
  }
}

export function FrameDetail({ frame: f, messageOpcode, decoded = null, onShowConnection, onClose }: FrameDetailProps) {
  const frame = useMemo(() => eventToFrame(f), [f]);
  const header = useMemo(() => {
    const wire = hexToBytes(f.headerHex);
    return wire.length === f.headerLength ? wire : frameHeader(frame);
  }, [f, frame]);
  const view = useMemo(
    () =>
      visibleView(
        payloadView(frame.payload, frame.opcode, {
          messageOpcode,
          compressed: frame.rsv1,
          fragment: !frame.fin || frame.opcode === 0 || f.truncated,
        }),
      ),
    [frame, messageOpcode, f.truncated],
  );
  const name = frameName(f);
  const lower = name.toLowerCase();
  const known = frame.payload.length;

  return (
    <article className={`frame-card frame-detail op-${lower}`} aria-label={`Frame ${f.seq}: ${name}`} data-seq={f.seq}>
      <header className="frame-card-head">
        <div className="detail-titlebar">
          <h2 className="detail-title">
            Frame #{f.seq} <span className={`op-badge op-${lower}`}>{name}</span>{' '}
            <span className={`dir-badge ${f.dir}`}>{f.dir === 'c2s' ? 'client → server' : 'server → client'}</span>
          </h2>
          <button type="button" className="icon-button" onClick={onClose} aria-label="Close the frame detail">
            ×
          </button>
        </div>
        <p className="frame-meta">
          <button type="button" className="link-button" onClick={() => onShowConnection(f.conn)}>
            connection {f.conn}
          </button>{' '}
          · t = {formatT(f.t)} · byte {f.offset.toLocaleString('en-US')} of its direction's stream ·{' '}
          {bytesLabel(f.headerLength + f.payloadLength)} on the wire ({f.headerLength} header + {f.payloadLength.toLocaleString('en-US')} payload)
          {f.opcode === 0 && messageOpcode !== 0 && <> · continues a {opcodeName(messageOpcode).toLowerCase()} message</>}
        </p>
        <code className="frame-line detail-line">{showControls(formatFrame(frame))}</code>
      </header>
      {f.synthesised && (
        <p className="note warn synthesised-note">
          Reconstructed from a file that keeps messages, not frames: the payload, opcode, direction and time are from the file;{' '}
          {f.synthesised.map((name, i) => (
            <span key={name}>
              {i > 0 && ', '}
              <code>{name}</code>
            </span>
          ))}{' '}
          {f.synthesised.length === 1 ? 'was' : 'were'} made up by wslab, so the header below is what such a frame would look like, not what was sent.
        </p>
      )}
      {f.truncated && (
        <p className="note warn truncation-note">
          Only the first {bytesLabel(known)} of this {bytesLabel(f.payloadLength)} payload were captured: the unmasking, text and
          hex below show that preview.
        </p>
      )}
      <section className="frame-section" aria-label="Header">
        <h3 className="section-title">Header, bit by bit</h3>
        <FrameAnatomy frame={frame} header={header} />
      </section>
      {frame.masked && frame.maskingKey && (
        <p className="masking-key">
          Masking key: <code className="mask-hex">{spacedHex(frame.maskingKey)}</code>
        </p>
      )}
      {frame.masked && <XorTable frame={frame} />}
      <section className="frame-section payload" aria-label="Payload">
        <h3 className="section-title">
          Payload ({bytesLabel(f.payloadLength)}
          {f.truncated ? `, first ${known} shown` : ''})
        </h3>
        <PayloadView view={view} />
      </section>
      {decoded && !f.rsv1 && <DecodedView decoded={decoded} truncated={f.truncated} />}
      {f.rsv1 && (
        <section className="frame-section inflated" aria-label="Inflated text">
          <h3 className="section-title">Inflated (permessage-deflate, RFC 7692)</h3>
          {f.inflated !== null ? (
            <pre className="payload-pre inflated-text">{showControls(f.inflated, { keepNewlines: true })}</pre>
          ) : (
            <p className="note">
              {f.fin ? 'The inflated message is not text (or was not decoded).' : 'The message continues in the next frames; its inflated text is on the final frame.'}
            </p>
          )}
        </section>
      )}
      {decoded && f.rsv1 && <DecodedView decoded={decoded} truncated={f.inflated !== null && f.inflated.length >= 250} />}
    </article>
  );
}
