// One frame, whole: a summary line, the header anatomy, the unmasking, the payload.
// Shared by the decoder and (later) the live inspector.
import { useMemo, type ReactNode } from 'react';
import { formatFrame, opcodeName } from '../../../server/core/wire/index.ts';
import type { Frame } from '../../../server/core/wire/types.ts';
import { bytesLabel } from './bytes.ts';
import { FrameAnatomy } from './FrameAnatomy.tsx';
import { PayloadView } from './PayloadView.tsx';
import { payloadView } from './payload.ts';
import { XorTable } from './XorTable.tsx';

export interface FrameCardProps {
  frame: Frame;
  /** the header bytes as they were on the wire; rebuilt from the frame when omitted */
  header?: Uint8Array;
  /** heading text, e.g. "Frame 1" */
  title: string;
  /** the data opcode of the frame's message (for continuation frames) */
  messageOpcode?: number;
  /** the assembled message, on the final fragment of a fragmented message */
  assembled?: { frames: number; payload: Uint8Array } | null;
  /** extra content under the summary (e.g. direction, time) */
  extra?: ReactNode;
}

export function FrameCard({ frame, header, title, messageOpcode = frame.opcode, assembled, extra }: FrameCardProps) {
  const view = useMemo(
    () => payloadView(frame.payload, frame.opcode, { messageOpcode, compressed: frame.rsv1, fragment: !frame.fin || frame.opcode === 0 }),
    [frame, messageOpcode],
  );
  const assembledView = useMemo(() => (assembled ? payloadView(assembled.payload, messageOpcode) : null), [assembled, messageOpcode]);
  const name = opcodeName(frame.opcode);
  const wire = frame.headerLength + frame.payloadLength;
  return (
    <article className={`frame-card op-${name.toLowerCase()}`} aria-label={`${title}: ${name}`}>
      <header className="frame-card-head">
        <h3>
          {title} <span className={`op-badge op-${name.toLowerCase()}`}>{name}</span>
          <code className="frame-line">{formatFrame(frame)}</code>
        </h3>
        <p className="frame-meta">
          at byte {frame.offset} · {bytesLabel(wire)} on the wire ({frame.headerLength} header + {frame.payloadLength} payload)
          {frame.opcode === 0 && messageOpcode !== 0 && <> · continues a {opcodeName(messageOpcode).toLowerCase()} message</>}
        </p>
        {extra}
      </header>
      <section className="frame-section" aria-label="Header">
        <h4 className="section-title">Header, bit by bit</h4>
        <FrameAnatomy frame={frame} header={header} />
      </section>
      {frame.masked && <XorTable frame={frame} />}
      <section className="frame-section payload" aria-label="Payload">
        <h4 className="section-title">Payload ({bytesLabel(frame.payload.length)})</h4>
        <PayloadView view={view} />
      </section>
      {assembled && assembledView && (
        <section className="frame-section assembled" aria-label="Assembled message">
          <h4 className="section-title">
            Message complete: {assembled.frames} frames, {bytesLabel(assembled.payload.length)}
          </h4>
          <PayloadView view={assembledView} />
        </section>
      )}
    </article>
  );
}
