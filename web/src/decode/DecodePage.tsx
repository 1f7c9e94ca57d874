// /decode: paste bytes, pick who sent them, see every frame taken apart.
// The input lives in the URL (?hex=...&dir=...), so a link reproduces the view.
import { useDeferredValue, useEffect, useMemo, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import { describeCloseCode, type Violation } from '../../../server/core/wire/index.ts';
import { FrameCard } from '../anatomy/FrameCard.tsx';
import { RfcRef } from '../anatomy/Rfc.tsx';
import { bytesLabel, hex2 } from '../anatomy/bytes.ts';
import { Page } from '../shell/Page.tsx';
import { EXAMPLES } from './examples.ts';
import { DIRECTIONS, MAX_URL_HEX, decodeInput, decodeSearch, fitsInUrl, readDecodeParams, type DecodeDirection, type DecodeResult } from './model.ts';
import { StreamDump } from './StreamDump.tsx';

const MAX_CARDS = 50;

const DIRECTION_LABEL: Record<DecodeDirection, { title: string; rule: string }> = {
  client: { title: 'client → server', rule: '(must be masked)' },
  server: { title: 'server → client', rule: '(must not be masked)' },
  any: { title: 'unknown', rule: '(skip the masking rule)' },
};

export function DecodePage() {
  const [searchParams, setSearchParams] = useSearchParams();
  const fromUrl = readDecodeParams(searchParams);
  const [text, setText] = useState(fromUrl.hex);
  const [dir, setDir] = useState<DecodeDirection>(fromUrl.dir);
  // the query string this page last wrote, to tell our own URL updates from navigation (back/forward, links)
  const written = useRef(decodeSearch(fromUrl));

  useEffect(() => {
    const search = decodeSearch({ hex: text, dir });
    if (search === written.current) return;
    written.current = search;
    setSearchParams(new URLSearchParams(search), { replace: true, preventScrollReset: true });
  }, [text, dir, setSearchParams]);

  useEffect(() => {
    const incoming = readDecodeParams(searchParams);
    if (decodeSearch(incoming) === written.current) return;
    written.current = decodeSearch(incoming);
    setText(incoming.hex);
    setDir(incoming.dir);
  }, [searchParams]);

  const deferredText = useDeferredValue(text);
  const result = useMemo(() => decodeInput(deferredText, dir), [deferredText, dir]);

  return (
    <Page
      title="Decode frames"
      lead="Paste the bytes one side of a WebSocket connection sent. Each frame is taken apart bit by bit, as RFC 6455 draws it, and checked against the rules a real endpoint enforces."
    >
      <section className="decode-input" aria-label="Input">
        <div className="decode-input-grid">
          <div className="hex-field">
            <label htmlFor="hex-input" className="input-label">
              Bytes in hex <span className="muted">— spaces, commas, <code>0x</code>, dumps with offsets all work</span>
            </label>
            <textarea
              id="hex-input"
              className="hex-input"
              value={text}
              onChange={(e) => setText(e.target.value)}
              rows={3}
              spellCheck={false}
              autoCapitalize="off"
              autoComplete="off"
              placeholder="81 85 37 fa 21 3d 7f 9f 4d 51 58"
            />
            {!fitsInUrl(text) && (
              <p className="note">
                This input is longer than {MAX_URL_HEX.toLocaleString('en-US')} characters, so it is not kept in the page’s
                link.
              </p>
            )}
          </div>
          <fieldset className="direction">
            <legend>Sent by</legend>
            {DIRECTIONS.map((d) => (
              <label key={d} className={dir === d ? 'checked' : undefined}>
                <input type="radio" name="direction" value={d} checked={dir === d} onChange={() => setDir(d)} />
                <span>
                  {DIRECTION_LABEL[d].title} <span className="muted">{DIRECTION_LABEL[d].rule}</span>
                </span>
              </label>
            ))}
          </fieldset>
        </div>
        <div className="examples" role="group" aria-label="Examples">
          <span className="examples-label">Examples:</span>
          {EXAMPLES.map((ex) => (
            <button
              key={ex.label}
              type="button"
              className={`example${ex.label.startsWith('bad') ? ' example-bad' : ''}`}
              title={ex.about}
              onClick={() => {
                setText(ex.hex);
                setDir(ex.dir);
              }}
            >
              {ex.label}
            </button>
          ))}
        </div>
      </section>
      <Results result={result} stale={deferredText !== text} />
    </Page>
  );
}

function Results({ result, stale }: { result: DecodeResult; stale: boolean }) {
  const violationByte = useRef<HTMLSpanElement>(null);
  if (result.kind === 'empty') {
    return <p className="status hint">Paste some bytes above, or pick an example.</p>;
  }
  if (result.kind === 'error') {
    return (
      <p className="status error" role="alert">
        Cannot read these bytes: {result.error}
      </p>
    );
  }
  const { frames, violation, incomplete, bytes } = result;
  const shown = frames.slice(0, MAX_CARDS);
  return (
    <div className={`results${stale ? ' stale' : ''}`}>
      <p className="status" role="status">
        {bytesLabel(bytes.length)} · {frames.length} {frames.length === 1 ? 'frame' : 'frames'}
        {violation ? ' · violation' : incomplete ? ' · incomplete' : ' · valid'}
      </p>
      <div className="frames">
        {shown.map((d) => (
          <FrameCard
            key={`${d.frame.offset}`}
            frame={d.frame}
            header={bytes.subarray(d.frame.offset, d.frame.offset + d.frame.headerLength)}
            title={`Frame ${d.index + 1}`}
            messageOpcode={d.messageOpcode}
            assembled={d.assembled}
          />
        ))}
        {frames.length > shown.length && (
          <p className="note">
            Showing the first {shown.length} of {frames.length} frames.
          </p>
        )}
      </div>
      {violation && (
        <ViolationPanel violation={violation} byte={bytes[violation.offset]} onShow={() => violationByte.current?.focus()} />
      )}
      {incomplete && (
        <aside className="incomplete" aria-label="Incomplete frame">
          <h2>Incomplete</h2>
          <p>
            The bytes end inside a frame that starts at byte <strong className="num">{incomplete.offset}</strong>:{' '}
            <strong className="num">{incomplete.needed}</strong> more {incomplete.needed === 1 ? 'byte is' : 'bytes are'}{' '}
            needed to complete it{' '}
            <span className="muted">(or to complete its header, while the length is still unknown)</span>.
          </p>
        </aside>
      )}
      <StreamDump result={result} ref={violationByte} />
    </div>
  );
}

function ViolationPanel({ violation, byte, onShow }: { violation: Violation; byte: number | undefined; onShow: () => void }) {
  const close = describeCloseCode(violation.closeCode);
  return (
    <aside className="violation" aria-label="Protocol violation">
      <h2>
        Violation: close with <span className="close-code">{violation.closeCode}</span> {close.name}
      </h2>
      <p className="violation-reason">{violation.reason}</p>
      <dl className="violation-facts">
        <div>
          <dt>close code</dt>
          <dd>
            {violation.closeCode} — {close.meaning}
          </dd>
        </div>
        <div>
          <dt>at byte</dt>
          <dd>
            <span className="num violation-offset">{violation.offset}</span>
            {byte !== undefined && (
              <span className="muted">
                {' '}
                = <code>0x{hex2(byte)}</code> = <code>{byte.toString(2).padStart(8, '0').replace(/(.{4})/, '$1 ')}</code>
              </span>
            )}{' '}
            <button type="button" className="link-button" onClick={onShow}>
              show in the dump ↓
            </button>
          </dd>
        </div>
        <div>
          <dt>rule</dt>
          <dd>
            <code>{violation.kind}</code> · <RfcRef sections={violation.rfc} />
          </dd>
        </div>
      </dl>
    </aside>
  );
}
