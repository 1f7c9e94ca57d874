// The presenter's room tools: the join URL as a QR code (phones join by pointing their camera at
// the projector), removing a participant (two clicks, so a stray one removes nobody), and recording
// the session (the room's whole event stream as an NDJSON file, the format GET /__wslab/events
// writes, for revising after the workshop).
import { useEffect, useMemo, useState } from 'react';
import { renderSVG } from 'uqr';
import { downloadRecording, removeParticipant } from './api.ts';

/** The first join URL as a QR code (SVG from the URL alone, shown as an image: nothing of it runs). */
export function JoinQr({ url }: { url: string }) {
  const src = useMemo(() => `data:image/svg+xml;charset=utf-8,${encodeURIComponent(renderSVG(url, { border: 2 }))}`, [url]);
  return (
    <figure className="wk-qr" data-testid="wk-qr">
      <img src={src} alt={`QR code for ${url}`} width={168} height={168} />
      <figcaption className="lab-small muted">Scan to join</figcaption>
    </figure>
  );
}

/** "remove", then "remove NAME?" for 5 s: the second click takes them out of the room. */
export function RemoveButton({ id, name, presenterKey, onDone }: { id: string; name: string; presenterKey: string; onDone: (text: string, ok: boolean) => void }) {
  const [armed, setArmed] = useState(false);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (!armed) return;
    const timer = setTimeout(() => setArmed(false), 5000);
    return () => clearTimeout(timer);
  }, [armed]);
  return (
    <button
      type="button"
      className={`wk-remove${armed ? ' wk-armed' : ''}`}
      disabled={busy}
      data-testid={`wk-remove-${id}`}
      aria-label={armed ? `Confirm: remove ${name} from the room` : `Remove ${name} from the room`}
      onClick={async () => {
        if (!armed) return setArmed(true);
        setBusy(true);
        const r = await removeParticipant(presenterKey, id);
        setBusy(false);
        setArmed(false);
        onDone(r.ok ? `${name} was removed from the room: their connections were closed and they cannot join again.` : r.error, r.ok);
      }}
    >
      {armed ? `remove ${name}?` : 'remove'}
    </button>
  );
}

/** Downloads the room's event stream (every participant's) as wslab-workshop-DATE.ndjson. */
export function RecordButton({ presenterKey }: { presenterKey: string }) {
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <section className="lab-panel wk-panel" aria-label="Record the session">
      <h2>Record the session</h2>
      <p className="lab-small muted">Every event of the room so far (all participants&apos; connections, frames and workshop actions) as one NDJSON file, the format of GET /__wslab/events: keep it to revise after the workshop.</p>
      <div className="lab-actions">
        <button
          type="button"
          className="lab-btn"
          disabled={busy}
          data-testid="wk-record"
          onClick={async () => {
            setBusy(true);
            const r = await downloadRecording(presenterKey);
            setBusy(false);
            if (!r.ok) return setStatus({ ok: false, text: r.error });
            const a = document.createElement('a');
            a.href = URL.createObjectURL(r.blob);
            a.download = r.fileName;
            document.body.append(a);
            a.click();
            a.remove();
            setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
            setStatus({ ok: true, text: `Saved ${r.fileName}: ${r.events} events.` });
          }}
        >
          Download the room&apos;s events (.ndjson)
        </button>
      </div>
      {status && (
        <p className={status.ok ? 'wk-result' : 'lab-problem'} role={status.ok ? 'status' : 'alert'} data-testid="wk-record-result">
          {status.text}
        </p>
      )}
    </section>
  );
}
