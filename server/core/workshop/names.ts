// Display names for workshop participants: whatever a person types becomes one short line of
// plain text. Pure (no node:*, no DOM): the server sanitizes with it and the page previews with it,
// so what the join form shows is what the room will see.

/** The longest display name, in code points (after sanitizing; a " (2)" suffix fits inside it). */
export const NAME_MAX = 32;

// Whitespace of any kind (tabs, newlines, no-break spaces, line and paragraph separators) becomes
// one space; control and format characters (C0/C1 controls, DEL, zero-width characters, bidi
// overrides that would reverse the text around a name) and lone surrogates are removed.
const SPACES = /[\s\p{Zl}\p{Zp}]+/gu;
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}]/gu;

/** The name as the room will see it: NFC, one line, no invisible characters, at most NAME_MAX code points; '' when nothing is left. */
export function sanitizeName(raw: string): string {
  const text = raw.normalize('NFC').replace(SPACES, ' ').replace(INVISIBLE, '').replace(/ {2,}/g, ' ').trim();
  return Array.from(text).slice(0, NAME_MAX).join('').trimEnd();
}

/** Names compare without case: "ada" and "Ada" are one name in a room. */
export function nameKey(name: string): string {
  return name.toLowerCase();
}

/**
 * `name`, or `name (2)`, `name (3)`, ... — the first whose key is not in `taken` (a room where two
 * people are both "Alex" needs to tell them apart). Stays within NAME_MAX.
 */
export function uniqueName(name: string, taken: ReadonlySet<string>): string {
  if (!taken.has(nameKey(name))) return name;
  for (let n = 2; ; n++) {
    const suffix = ` (${n})`;
    const base = Array.from(name).slice(0, NAME_MAX - suffix.length).join('').trimEnd();
    const candidate = base + suffix;
    if (!taken.has(nameKey(candidate))) return candidate;
  }
}
