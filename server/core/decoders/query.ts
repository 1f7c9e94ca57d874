// The decoded-fields filter of /inspect: space-separated terms, all of which must hold.
//   mqtt              the message was decoded by that decoder (sio, mqtt, stomp, gql, rpc)
//   sio.event         the field is present
//   sio.event=chat    the field equals the value (case-insensitive)
//   stomp.body~hello  the field contains the value (case-insensitive)
//   rpc.method!=ping  no such field equals the value
// Values with spaces go in double quotes: stomp.destination="/queue/a b". A field that repeats
// (mqtt.topic of a SUBSCRIBE) matches when any of its values does.
import type { Decoded } from './types.ts';

export interface DecodedQuery {
  test: (d: Decoded | null) => boolean;
  /** a sentence when the text is not a valid query */
  error: string | null;
}

type Term = { kind: 'decoder'; id: string } | { kind: 'field'; name: string; op: 'has' | '=' | '~' | '!='; value: string };

const TERM = /^([a-z][\w-]*(?:\.[\w.-]+)?)(?:(=|~|!=)(?:"((?:[^"\\]|\\.)*)"|((?![=~])[^\s"]*)))?(?=\s|$)/i;
const MAX_TERMS = 16;

export function compileDecodedQuery(text: string): DecodedQuery {
  const terms: Term[] = [];
  let s = text.trim();
  while (s !== '') {
    if (terms.length >= MAX_TERMS) return { test: () => true, error: `At most ${MAX_TERMS} terms` };
    const m = TERM.exec(s);
    if (!m) return { test: () => true, error: `Not a decoded-field term: ${JSON.stringify(s.split(/\s+/)[0].slice(0, 40))} (write name=value, name~value, name!=value or name)` };
    const name = m[1];
    if (m[2] === undefined) terms.push(name.includes('.') ? { kind: 'field', name: name.toLowerCase(), op: 'has', value: '' } : { kind: 'decoder', id: name.toLowerCase() });
    else {
      if (!name.includes('.')) return { test: () => true, error: `"${name}" is a decoder, not a field: write ${name}.FIELD${m[2]}value` };
      const value = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : (m[4] ?? '');
      terms.push({ kind: 'field', name: name.toLowerCase(), op: m[2] as '=' | '~' | '!=', value: value.toLowerCase() });
    }
    s = s.slice(m[0].length).trimStart();
  }
  if (terms.length === 0) return { test: () => true, error: null };
  const test = (d: Decoded | null): boolean => {
    if (!d) return false;
    for (const t of terms) {
      if (t.kind === 'decoder') {
        if (d.decoder !== t.id) return false;
        continue;
      }
      let has = false;
      let eq = false;
      let contains = false;
      for (const it of d.items)
        for (const [k, v] of it.fields) {
          if (k.toLowerCase() !== t.name) continue;
          has = true;
          const lv = v.toLowerCase();
          if (lv === t.value) eq = true;
          if (lv.includes(t.value)) contains = true;
        }
      if (t.op === 'has' && !has) return false;
      if (t.op === '=' && !eq) return false;
      if (t.op === '~' && !contains) return false;
      if (t.op === '!=' && eq) return false;
    }
    return true;
  };
  return { test, error: null };
}
