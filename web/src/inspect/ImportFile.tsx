// /inspect's import: a pcap/pcapng capture, a HAR or a wslab session, dropped on the page or
// picked with the button, read in the browser by the same pure module `wslab open` uses
// (server/core/import), then shown in place of the live stream. The banner says what was loaded,
// what the file did not hold and wslab made up, and what could not be read.
import { useEffect, useRef, useState } from 'react';
import type { WslabEvent } from '../../../server/core/events/schema.ts';
import { getStore } from '../store/store.ts';
import { useStoreSlice } from '../store/hooks.ts';

const ACCEPT = '.pcap,.pcapng,.cap,.har,.ndjson,.jsonl,.json';

async function readInto(file: File): Promise<string | null> {
  // loaded on demand: the reader (and zod, for sessions) stays out of the page until it is used
  const mod = await import('../../../server/core/import/index.ts');
  if (file.size > mod.MAX_IMPORT_BYTES) return `${file.name} is ${mod.sizeText(file.size)}; wslab reads files up to ${mod.sizeText(mod.MAX_IMPORT_BYTES)} (cut a capture with editcap, or save fewer connections).`;
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await file.arrayBuffer());
  } catch (err) {
    return `${file.name} could not be read: ${(err as Error).message}`;
  }
  const r = mod.importFile(bytes, file.name);
  if (!r.ok) return r.error.endsWith('.') ? r.error : r.error + '.';
  getStore().loadImport(r.events as Omit<WslabEvent, 'v' | 'seq'>[], { summary: mod.describeImport(r), startedAt: r.startedAt, synthesised: r.synthesised, problems: r.problems });
  return null;
}

/** The "Open a file" button, and the page-wide drop target (on `target`). */
export function ImportButton({ target }: { target: React.RefObject<HTMLElement | null> }) {
  const input = useRef<HTMLInputElement>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [over, setOver] = useState(false);
  const open = async (file: File | undefined) => {
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      setError(await readInto(file));
    } catch (err) {
      setError(`${file.name} could not be read: ${(err as Error)?.message ?? String(err)}`);
    } finally {
      setBusy(false);
    }
  };
  const openRef = useRef(open);
  openRef.current = open;
  useEffect(() => {
    const el = target.current;
    if (!el) return;
    let depth = 0;
    const hasFiles = (e: DragEvent) => !!e.dataTransfer && Array.from(e.dataTransfer.types).includes('Files');
    const enter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth++;
      setOver(true);
    };
    const leave = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      if (--depth <= 0) {
        depth = 0;
        setOver(false);
      }
    };
    const overFn = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      e.dataTransfer!.dropEffect = 'copy';
    };
    const drop = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth = 0;
      setOver(false);
      void openRef.current(e.dataTransfer!.files[0]);
    };
    el.addEventListener('dragenter', enter);
    el.addEventListener('dragleave', leave);
    el.addEventListener('dragover', overFn);
    el.addEventListener('drop', drop);
    return () => {
      el.removeEventListener('dragenter', enter);
      el.removeEventListener('dragleave', leave);
      el.removeEventListener('dragover', overFn);
      el.removeEventListener('drop', drop);
    };
  }, [target]);
  return (
    <>
      <button type="button" onClick={() => input.current?.click()} disabled={busy} title="Open a pcap/pcapng capture, a HAR, or a session saved by wslab (or drop it on the page)">
        {busy ? 'Reading…' : 'Open a file…'}
      </button>
      <input ref={input} type="file" accept={ACCEPT} hidden aria-label="Open a capture, HAR or wslab session" onChange={(e) => void open(e.target.files?.[0]).then(() => (e.target.value = ''))} />
      {over && (
        <div className="drop-overlay" aria-hidden="true">
          Drop a pcap, pcapng, HAR or wslab session to open it
        </div>
      )}
      {error && (
        <p className="import-error" role="alert">
          {error}{' '}
          <button type="button" className="link-button" onClick={() => setError(null)}>
            dismiss
          </button>
        </p>
      )}
    </>
  );
}

/** What the page shows instead of live traffic, when a file was opened. */
export function ImportBanner() {
  const store = useStoreSlice('status');
  const info = store.imported;
  if (!info) return null;
  return (
    <section className="import-banner" role="status" aria-label="Opened file">
      <p>
        <strong>Showing {info.summary}.</strong> Live traffic is not shown.{' '}
        <button type="button" className="link-button" onClick={() => location.assign(location.pathname)}>
          Back to live traffic
        </button>
      </p>
      {info.synthesised.length > 0 && (
        <details>
          <summary>Not in the file, reconstructed by wslab ({info.synthesised.length})</summary>
          <ul>
            {info.synthesised.map((s) => (
              <li key={s}>{s}</li>
            ))}
          </ul>
        </details>
      )}
      {info.problems.length > 0 && (
        <details>
          <summary>Could not be read ({info.problems.length})</summary>
          <ul>
            {info.problems.map((s) => (
              <li key={s}>{s}</li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}

/** Downloads what the page shows (one connection, or all) as a HAR or a pcapng capture. */
export async function downloadExport(kind: 'har' | 'pcapng', conn: string | null): Promise<string | null> {
  const store = getStore();
  const mod = await import('../../../server/core/export/index.ts');
  let wallClockAtZero: number;
  if (store.imported) wallClockAtZero = store.imported.startedAt ?? Date.now();
  else {
    try {
      const health = (await (await fetch('/__wslab/health')).json()) as { uptimeMs: number };
      wallClockAtZero = Date.now() - health.uptimeMs;
    } catch {
      wallClockAtZero = Date.now();
    }
  }
  const opts = { wallClockAtZero, ...(conn ? { conn } : {}) };
  const out = kind === 'har' ? mod.exportHar(store.events, opts) : mod.exportPcapng(store.events, opts);
  if (out.connections === 0) return conn ? `Connection ${conn} has no handshake in this page's history: nothing to export.` : "No connection with a handshake in this page's history: nothing to export.";
  const blob = 'json' in out ? new Blob([out.json], { type: 'application/json' }) : new Blob([out.bytes as BlobPart], { type: 'application/octet-stream' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = `wslab-${conn ?? 'all'}-${new Date().toISOString().replace(/[:.]/g, '-')}.${kind}`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return null;
}

/** The HAR and pcapng buttons: the selected connection, or every one. */
export function ExportButtons({ conn }: { conn: string | null }) {
  const [error, setError] = useState<string | null>(null);
  const what = conn ? `connection ${conn}` : 'every connection';
  const run = (kind: 'har' | 'pcapng') => void downloadExport(kind, conn).then(setError, (err: Error) => setError(err.message));
  return (
    <>
      <button type="button" onClick={() => run('har')} title={`Download ${what} as a HAR (Chrome's shape, with wslab's frame details under _ keys)`}>
        HAR
      </button>
      <button type="button" onClick={() => run('pcapng')} title={`Download ${what} as pcapng (synthesised TCP, for Wireshark)`}>
        pcapng
      </button>
      {error && (
        <p className="import-error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}
