// The lessons are written against the default address, 127.0.0.1:8080. A learner whose server runs
// elsewhere (--port 0, --host, a workshop laptop's LAN address) should copy commands that work, so
// the page shows the address it was loaded from instead. Pure: test/unit/lessons-model.test.ts.

/** The address the lesson files are written against. */
export const WRITTEN_HOST = '127.0.0.1:8080';

/** `text` with every mention of the written address (as host:port) replaced by `host`. */
export function withHost(text: string, host: string): string {
  if (!host || host === WRITTEN_HOST) return text;
  return text.split(WRITTEN_HOST).join(host);
}

/** Every file's text with the page's own host:port (when there is a page). */
export function localizeFiles(files: Record<string, string>, host: string | null): Record<string, string> {
  if (!host) return files;
  return Object.fromEntries(Object.entries(files).map(([name, text]) => [name, withHost(text, host)]));
}
