// Every pasted byte, 16 per row, coloured by what it is (header, length, key, payload),
// with the byte a violation points at highlighted.
import { forwardRef, useMemo } from 'react';
import { asciiChar, hex2 } from '../anatomy/bytes.ts';
import { byteRoles, dumpRows, type DecodeResult } from './model.ts';

type Decoded = Extract<DecodeResult, { kind: 'decoded' }>;

const ROLE_TITLE: Record<string, string> = {
  header: 'FIN, RSV, opcode, MASK, payload len',
  length: 'extended payload length',
  key: 'masking key',
  payload: 'payload',
  incomplete: 'incomplete frame',
  undecoded: 'not decoded',
};

export const StreamDump = forwardRef<HTMLSpanElement, { result: Decoded }>(function StreamDump({ result }, violationRef) {
  const roles = useMemo(() => byteRoles(result), [result]);
  const focus = result.violation?.offset ?? null;
  const rows = useMemo(() => dumpRows(result.bytes.length, focus), [result.bytes.length, focus]);
  return (
    <section className="stream" aria-labelledby="stream-title">
      <h2 id="stream-title">All bytes</h2>
      <ul className="legend" aria-label="Legend">
        {(['header', 'length', 'key', 'payload'] as const).map((r) => (
          <li key={r}>
            <span className={`swatch role-${r}`} aria-hidden="true" /> {ROLE_TITLE[r]}
          </li>
        ))}
        {result.violation && (
          <li>
            <span className="swatch violation-swatch" aria-hidden="true" /> violation
          </li>
        )}
      </ul>
      <div className="dump" role="table" aria-label="Hex dump of the input">
        {rows.map((start, i) =>
          start === null ? (
            <div className="dump-gap" role="row" key={`gap-${i}`}>
              <span role="cell">…</span>
            </div>
          ) : (
            <div className="dump-row" role="row" key={start}>
              <span className="dump-offset" role="rowheader">
                {start.toString(16).padStart(4, '0')}
              </span>
              <span className="dump-bytes" role="cell">
                {Array.from(result.bytes.subarray(start, start + 16), (b, k) => {
                  const at = start + k;
                  const info = roles[at];
                  const isViolation = at === focus;
                  return (
                    <span
                      key={at}
                      ref={isViolation ? violationRef : undefined}
                      tabIndex={isViolation ? -1 : undefined}
                      data-offset={at}
                      className={`byte role-${info.role}${info.frame >= 0 ? ` frame-${info.frame % 2 ? 'odd' : 'even'}` : ''}${isViolation ? ' violation-byte' : ''}`}
                      title={`byte ${at}: ${info.frame >= 0 ? `frame ${info.frame + 1}, ` : ''}${ROLE_TITLE[info.role]}${isViolation ? ' — violation here' : ''}`}
                    >
                      {hex2(b)}
                    </span>
                  );
                })}
              </span>
              <span className="dump-ascii" role="cell" aria-hidden="true">
                {Array.from(result.bytes.subarray(start, start + 16), asciiChar).join('')}
              </span>
            </div>
          ),
        )}
      </div>
    </section>
  );
});
