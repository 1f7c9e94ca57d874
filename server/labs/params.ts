// Query parameters of a lab's URL, read leniently: out of range is clamped, nonsense is the default.

/** Reads an integer query parameter, clamped to [min, max]. */
export function intParam(url: URL, name: string, fallback: number, min: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n)) return fallback;
  return Math.min(max, Math.max(min, Math.round(n)));
}
