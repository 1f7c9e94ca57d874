// The header of one frame drawn as RFC 6455 §5.2 draws it: 32 bits per row, each field a
// button. Clicking or focusing a field shows its value, what it means, and the RFC section.
import { useId, useMemo, useState } from 'react';
import { frameFields } from '../../../server/core/wire/index.ts';
import type { FieldName, Frame } from '../../../server/core/wire/types.ts';
import { bytesLabel, hex2 } from './bytes.ts';
import { explainField, type FieldExplanation } from './explain.ts';
import { BITS_PER_ROW, headerRows, type Segment } from './layout.ts';
import { frameHeader } from '../../../server/core/wire/index.ts';
import { RfcRef } from './Rfc.tsx';

export interface FrameAnatomyProps {
  frame: Frame;
  /** the frame's header bytes as they were on the wire; rebuilt from the frame's fields when omitted */
  header?: Uint8Array;
  /** controlled selection (optional); uncontrolled when omitted */
  selected?: FieldName | null;
  onSelect?: (field: FieldName | null) => void;
}

export function FrameAnatomy({ frame, header: headerProp, selected: selectedProp, onSelect }: FrameAnatomyProps) {
  const [own, setOwn] = useState<FieldName | null>(null);
  const selected = selectedProp !== undefined ? selectedProp : own;
  const select = (f: FieldName) => {
    setOwn(f);
    onSelect?.(f);
  };
  const header = useMemo(() => headerProp ?? frameHeader(frame), [headerProp, frame]);
  const fields = useMemo(() => frameFields(frame), [frame]);
  const rows = useMemo(() => headerRows(fields, header), [fields, header]);
  const explanations = useMemo(() => {
    const m = new Map<FieldName, FieldExplanation>();
    for (const f of fields) m.set(f.field, explainField(f, frame));
    return m;
  }, [fields, frame]);
  const detailId = useId();
  const current = selected ? explanations.get(selected) : undefined;

  return (
    <div className="anatomy">
      <div className="bitgrid" role="group" aria-label="Frame header, 32 bits per row (RFC 6455 section 5.2)">
        <div className="bitgrid-ruler" aria-hidden="true">
          {Array.from({ length: BITS_PER_ROW }, (_, i) => (
            <span key={i} className={i % 8 === 0 ? 'byte-start' : undefined}>
              {i}
            </span>
          ))}
        </div>
        {rows.map((row) => (
          <div className="bitgrid-rowpair" key={row.index}>
            <div className="bitgrid-row">
              {row.segments.map((seg) => (
                <FieldCell
                  key={`${seg.field}-${seg.column}`}
                  seg={seg}
                  exp={explanations.get(seg.field)!}
                  selected={selected === seg.field}
                  describedBy={detailId}
                  onSelect={() => select(seg.field)}
                />
              ))}
              {row.emptyColumns > 0 && row.index === rows.length - 1 && (
                <div className="bitcell payload-start" style={{ gridColumn: `span ${row.emptyColumns}` }}>
                  <span className="cell-label">payload data…</span>
                </div>
              )}
            </div>
            <div className="bitgrid-bytes" aria-hidden="true">
              {Array.from({ length: 4 }, (_, k) => {
                const b = row.index * 4 + k;
                if (b >= frame.headerLength) return <span key={k} className="hdr-byte hdr-byte-none" />;
                return (
                  <span key={k} className="hdr-byte">
                    byte {b}: <b>{hex2(header[b] ?? 0)}</b>
                  </span>
                );
              })}
            </div>
          </div>
        ))}
        {rows.length > 0 && rows[rows.length - 1].emptyColumns === 0 && (
          <div className="bitgrid-row">
            <div className="bitcell payload-start" style={{ gridColumn: `span ${BITS_PER_ROW}` }}>
              <span className="cell-label">payload data… ({bytesLabel(frame.payloadLength)})</span>
            </div>
          </div>
        )}
      </div>
      <div id={detailId} className="field-detail" role="region" aria-live="polite" aria-label="Selected header field">
        {current ? (
          <>
            <h4>
              {current.label} = <code>{current.valueText}</code>
            </h4>
            <p>{current.meaning}</p>
            <p className="field-rfc">
              <RfcRef sections={current.rfc} />
            </p>
          </>
        ) : (
          <p className="hint">Click a field of the header (or Tab to it) to see its value, what it means, and where RFC 6455 defines it.</p>
        )}
      </div>
    </div>
  );
}

function FieldCell({
  seg,
  exp,
  selected,
  describedBy,
  onSelect,
}: {
  seg: Segment;
  exp: FieldExplanation;
  selected: boolean;
  describedBy: string;
  onSelect: () => void;
}) {
  const narrow = seg.bits <= 2;
  const showValue = !seg.continued && seg.bits > 1;
  return (
    <button
      type="button"
      className={`bitcell field-${seg.field}${narrow ? ' narrow' : ''}${selected ? ' selected' : ''}${seg.continued ? ' continued' : ''}`}
      style={{ gridColumn: `${seg.column + 1} / span ${seg.bits}` }}
      data-field={seg.field}
      aria-pressed={selected}
      aria-label={`${exp.label}: ${exp.valueText}${seg.continued ? ' (continued)' : ''}`}
      aria-describedby={describedBy}
      // only the first segment of a field is a tab stop; its continuations are clickable
      tabIndex={seg.continued ? -1 : 0}
      onClick={onSelect}
      onFocus={onSelect}
    >
      <span className={`cell-label${narrow ? ' cell-label-narrow' : ''}`}>
        {seg.continued ? `${exp.short} (cont.)` : exp.short}
      </span>
      <span className="cell-bits" style={{ gridTemplateColumns: `repeat(${seg.bits}, 1fr)` }} aria-hidden="true">
        {Array.from(seg.bitString, (b, i) => (
          <span key={i} className={b === '1' ? 'one' : 'zero'}>
            {b}
          </span>
        ))}
      </span>
      <span className="cell-value">{showValue ? exp.cellText : '\u00a0'}</span>
    </button>
  );
}
