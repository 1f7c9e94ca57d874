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

// Letters from other scripts (and digits or signs) that read as Latin letters.
const LOOKALIKES: Record<string, string> = {
  р: 'p', ρ: 'p', ϱ: 'p', þ: 'p',
  г: 'r', ʀ: 'r', ᴦ: 'r',
  е: 'e', є: 'e', ε: 'e', ҽ: 'e', '℮': 'e', '€': 'e', '3': 'e',
  ѕ: 's', ꜱ: 's', $: 's', '5': 's', ʂ: 's',
  п: 'n', η: 'n', ν: 'n', ո: 'n', ռ: 'n', ɴ: 'n',
  т: 't', τ: 't', ţ: 't', '7': 't', '+': 't', ᴛ: 't',
  а: 'a', α: 'a', '@': 'a', '4': 'a', ɑ: 'a',
  о: 'o', ο: 'o', '0': 'o', σ: 'o',
  с: 'c', ϲ: 'c', '¢': 'c', '(': 'c',
  һ: 'h', н: 'h', ћ: 'h', '#': 'h',
  і: 'i', ı: 'i', ι: 'i', '1': 'i', '!': 'i', '|': 'i', l: 'i', ӏ: 'i',
  ԁ: 'd', ɗ: 'd',
  м: 'm', ṃ: 'm',
  υ: 'u', ս: 'u', ц: 'u',
};

/** A name folded to what it reads as: no case, accents, compatibility forms or look-alike letters. */
function skeleton(name: string): string {
  const folded = name.normalize('NFKC').normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
  let out = '';
  for (const ch of folded) out += LOOKALIKES[ch] ?? ch;
  return out;
}

/**
 * The roles a participant's name may not read as (besides "Presenter", refused anywhere in a
 * name): refused when the whole name, or one word of it, is the role ("Host", "the admin",
 * "Teacher 2"); a word that only contains one ("Ghost", "Badminton") is fine. Each as its skeleton.
 */
const ROLES: Record<string, string> = { instructor: 'Instructor', host: 'Host', admin: 'Admin', teacher: 'Teacher' };

/**
 * True when a (sanitized) name reads as "Presenter": whatever the case, spacing or punctuation
 * ("P r e-s.e_n t e r"), accents ("Présenter"), compatibility forms (full-width "Ｐｒｅｓｅｎｔｅｒ",
 * mathematical letters) or letters from other scripts that look the same (Cyrillic "Рresenter").
 * A participant named so could pass for the presenter on everyone's screen.
 */
export function impersonatesPresenter(name: string): boolean {
  return skeleton(name).replace(/[^a-z0-9]/g, '').includes('presenter');
}

/**
 * What a (sanitized) name would pass for, or null when it is fine: "Presenter" (anywhere in it),
 * "Instructor", "Host", "Admin" or "Teacher" (the name or one of its words, digits aside), or the
 * presenter's own display name (the whole name, compared the same way). Case, spacing, accents,
 * full-width forms and look-alike letters from other scripts do not help.
 */
export function impersonation(name: string, presenterName: string | null = null): string | null {
  if (impersonatesPresenter(name)) return 'Presenter';
  const folded = skeleton(name);
  const whole = folded.replace(/[^a-z]/g, '');
  if (ROLES[whole]) return ROLES[whole];
  // words as typed ("Host2": a number after a word is a counter, not a letter)
  for (const word of name.normalize('NFKC').split(/[\s\p{P}\p{S}]+/u)) {
    for (const form of [word, word.replace(/\d+$/, '')]) {
      const letters = skeleton(form).replace(/[^a-z]/g, '');
      if (ROLES[letters]) return ROLES[letters];
    }
  }
  if (presenterName) {
    const own = skeleton(presenterName).replace(/[^a-z0-9]/g, '');
    if (own && skeleton(name).replace(/[^a-z0-9]/g, '') === own) return presenterName;
  }
  return null;
}
