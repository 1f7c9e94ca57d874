// Chapters 12 and 13 of Autobahn|Testsuite (case12_x_x.py): permessage-deflate (RFC 7692).
// Each case offers permessage-deflate, then sends COUNT messages of LEN bytes, consecutive slices
// of a test corpus, one at a time, each auto-fragmented to AUTOFRAGSIZE bytes (0: one frame), and
// expects each echoed as sent. 12.x varies the data (five corpora), 13.x the offer's parameters
// (the JSON corpus). A server that does not accept the offer gets UNIMPLEMENTED, as in Autobahn.
// `scale` multiplies the number of messages (Autobahn: 1000); the sizes stay Autobahn's.
import { parseExtensions, parseExtensionsStrict } from '../wire/handshake.ts';
import { parsePerMessageDeflateParams, type PerMessageDeflateParams } from '../wire/deflate.ts';
import { CORPORA, corpus, type CorpusName } from './corpus.ts';
import { scaled } from './cases-9.ts';
import type { ConformCase, DeflateOffer, EchoScript } from './types.ts';

/** Autobahn's MSG_SIZES: (LEN, COUNT, WAITSECS, AUTOFRAGSIZE). */
const MSG_SIZES: [number, number, number, number][] = [
  [16, 1000, 60, 0], [64, 1000, 60, 0], [256, 1000, 120, 0], [1024, 1000, 240, 0], [4096, 1000, 480, 0],
  [8192, 1000, 480, 0], [16384, 1000, 480, 0], [32768, 1000, 480, 0], [65536, 1000, 480, 0], [131072, 1000, 480, 0],
  [8192, 1000, 480, 256], [16384, 1000, 480, 256], [32768, 1000, 480, 256], [65536, 1000, 480, 256], [131072, 1000, 480, 256],
  [131072, 1000, 480, 1024], [131072, 1000, 480, 4096], [131072, 1000, 480, 32768],
];

const offer = (requestNoContextTakeover = false, requestMaxWindowBits = 0): DeflateOffer => ({ requestNoContextTakeover, requestMaxWindowBits });

/** Autobahn's DEFLATE_PARAMS (the client offers of 13.1-13.7). */
const OFFERS_13: DeflateOffer[][] = [
  [offer()],
  [offer(true, 0)],
  [offer(false, 9)],
  [offer(false, 15)],
  [offer(true, 9)],
  [offer(true, 15)],
  [offer(true, 9), offer(true), offer()],
];

/** One offer as autobahn writes it: it always accepts client_no_context_takeover and client_max_window_bits. */
export function offerText(o: DeflateOffer): string {
  let s = 'permessage-deflate; client_no_context_takeover; client_max_window_bits';
  if (o.requestNoContextTakeover) s += '; server_no_context_takeover';
  if (o.requestMaxWindowBits !== 0) s += `; server_max_window_bits=${o.requestMaxWindowBits}`;
  return s;
}

/** The Sec-WebSocket-Extensions value of a case's offers. */
export function offerHeader(offers: readonly DeflateOffer[]): string {
  return offers.map(offerText).join(', ');
}

/** Is the answer a valid acceptance of this offer (RFC 7692 §7.1)? null when it is, else why not. */
function answerBreaks(o: DeflateOffer, p: PerMessageDeflateParams): string | null {
  // §7.1.1.1: a requested server_no_context_takeover must be in the answer.
  if (o.requestNoContextTakeover && !p.serverNoContextTakeover) return 'the client asked for server_no_context_takeover and the answer leaves it out';
  // §7.1.2.1: server_max_window_bits no larger than requested.
  if (o.requestMaxWindowBits !== 0) {
    if (p.serverMaxWindowBits === null) return `the client asked for server_max_window_bits=${o.requestMaxWindowBits} and the answer leaves it out`;
    if (p.serverMaxWindowBits > o.requestMaxWindowBits) return `server_max_window_bits=${p.serverMaxWindowBits} is larger than the ${o.requestMaxWindowBits} the client asked for`;
  }
  // §7.1.2.2: the client offered client_max_window_bits, so a value 8-15 may come back, but not a bare one.
  if (p.clientMaxWindowBits === true) return 'client_max_window_bits in an answer needs a value';
  return null;
}

export type DeflateAnswer =
  | { kind: 'none' }
  | { kind: 'accepted'; params: PerMessageDeflateParams; text: string }
  | { kind: 'invalid'; reason: string };

/**
 * Checks a server's Sec-WebSocket-Extensions answer against the offers (RFC 7692 §5, §7.1): at most
 * one permessage-deflate, no other extension, no parameter twice, each valid, and the whole a valid
 * acceptance of at least one of the offers (the client cannot tell which one the server took).
 */
export function checkDeflateAnswer(offers: readonly DeflateOffer[], header: string | undefined): DeflateAnswer {
  if (header === undefined || header.trim() === '') return { kind: 'none' };
  const parsed = parseExtensionsStrict(header);
  if ('error' in parsed) return { kind: 'invalid', reason: `the Sec-WebSocket-Extensions answer cannot be parsed: ${parsed.error}` };
  if (parsed.offers.length === 0) return { kind: 'none' };
  const other = parsed.offers.find((e) => e.name.toLowerCase() !== 'permessage-deflate');
  if (other) return { kind: 'invalid', reason: `the server answered with the extension ${other.name}, which the client did not offer` };
  if (parsed.offers.length > 1) return { kind: 'invalid', reason: 'the server answered with permessage-deflate more than once' };
  const entry = header.split(';').slice(1).map((p) => p.split('=')[0].trim().toLowerCase());
  const twice = entry.find((k, i) => entry.indexOf(k) !== i);
  if (twice) return { kind: 'invalid', reason: `the answer names ${twice} twice` };
  const r = parsePerMessageDeflateParams(parsed.offers[0].params);
  if ('error' in r) return { kind: 'invalid', reason: r.error };
  const reasons = offers.map((o) => answerBreaks(o, r.params));
  if (reasons.every((x) => x !== null)) return { kind: 'invalid', reason: reasons[0]! };
  return { kind: 'accepted', params: r.params, text: header.trim() };
}

/**
 * The fuzzing server's answer to a client's permessage-deflate offers in a case of 12 or 13 (as
 * Autobahn's fuzzingserver accepts them): the first valid permessage-deflate offer is accepted with
 * what the client asked of the server (server_no_context_takeover, server_max_window_bits), and the
 * case's first offer says what the server asks of the client: client_no_context_takeover, and
 * client_max_window_bits when the client offered that parameter. 'none' when the client offered no
 * valid permessage-deflate: the case does not apply.
 */
export function serverDeflateAnswer(offers: readonly DeflateOffer[], header: string | undefined): { kind: 'none' } | { kind: 'accepted'; params: PerMessageDeflateParams; text: string } {
  for (const ext of parseExtensions(header ?? '')) {
    if (ext.name.toLowerCase() !== 'permessage-deflate') continue;
    const r = parsePerMessageDeflateParams(ext.params);
    if ('error' in r) continue;
    const asked = offers[0] ?? { requestNoContextTakeover: false, requestMaxWindowBits: 0 };
    const client = r.params.clientMaxWindowBits;
    let clientBits: number | null = null;
    if (asked.requestMaxWindowBits !== 0 && client !== null) clientBits = client === true ? asked.requestMaxWindowBits : Math.min(client, asked.requestMaxWindowBits);
    const params: PerMessageDeflateParams = {
      serverNoContextTakeover: r.params.serverNoContextTakeover,
      clientNoContextTakeover: asked.requestNoContextTakeover,
      serverMaxWindowBits: r.params.serverMaxWindowBits,
      clientMaxWindowBits: clientBits,
    };
    let text = 'permessage-deflate';
    if (params.serverNoContextTakeover) text += '; server_no_context_takeover';
    if (params.clientNoContextTakeover) text += '; client_no_context_takeover';
    if (params.serverMaxWindowBits !== null) text += `; server_max_window_bits=${params.serverMaxWindowBits}`;
    if (clientBits !== null) text += `; client_max_window_bits=${clientBits}`;
    return { kind: 'accepted', params, text };
  }
  return { kind: 'none' };
}

/** Message `i` (0-based) of an echo script: `repeat` repeated to the length, or the next slice of the corpus, wrapping (Autobahn's payloadRXPtr). */
export function echoPayload(e: EchoScript, i: number): Uint8Array {
  const out = new Uint8Array(e.length);
  if ('repeat' in e.source) {
    const r = e.source.repeat;
    for (let at = 0; at < out.length; at += r.length) out.set(r.subarray(0, Math.min(r.length, out.length - at)), at);
    return out;
  }
  const data = corpus(e.source.corpus);
  const from = (i * e.length) % data.length;
  for (let k = 0; k < out.length; k++) out[k] = data[(from + k) % data.length];
  return out;
}

const RULE = 'With permessage-deflate (RFC 7692) a server inflates each message it receives (RSV1 set on its first frame), and whatever it sends back, compressed or not, must come out as the message sent.';

function deflateCase(id: string, data: CorpusName, offers: DeflateOffer[], size: [number, number, number, number], scale: number, offerWords: string): ConformCase {
  const [length, count0, waitSeconds, fragmentSize] = size;
  const info = CORPORA.find((c) => c.name === data)!;
  const count = scaled(count0, scale);
  const echo: EchoScript = { binary: info.binary, length, count, source: { corpus: data }, fragmentSize, checkContent: true, waitSeconds };
  return {
    id,
    rfc: '7692',
    description: `Send ${count} compressed ${info.binary ? 'binary' : 'text'} message${count === 1 ? '' : 's'} (Autobahn: ${count0}) of ${length} bytes of ${info.description.charAt(0).toLowerCase()}${info.description.slice(1)} (generated stand-in), ${fragmentSize ? `auto-fragmented to ${fragmentSize} bytes` : 'each in one frame'}. ${offerWords}`,
    expectation: `Every message is echoed as sent within ${waitSeconds} s; clean close with code 1000. A server that does not accept permessage-deflate: UNIMPLEMENTED.`,
    rule: RULE,
    steps: [],
    expected: {},
    expectedClose: { closedByMe: true, closeCode: [1000], requireClean: true },
    end: { after: 'close', seconds: waitSeconds },
    echo,
    deflate: offers,
  };
}

export function chapter12(scale: number): ConformCase[] {
  const out: ConformCase[] = [];
  CORPORA.forEach((c, j) => {
    MSG_SIZES.forEach((s, i) => out.push(deflateCase(`12.${j + 1}.${i + 1}`, c.name, [offer()], s, scale, 'Offer permessage-deflate with its defaults.')));
  });
  return out;
}

export function chapter13(scale: number): ConformCase[] {
  const out: ConformCase[] = [];
  OFFERS_13.forEach((offers, j) => {
    const words = `Offer: ${offerHeader(offers)}.`;
    MSG_SIZES.forEach((s, i) => out.push(deflateCase(`13.${j + 1}.${i + 1}`, 'json_data1', offers, s, scale, words)));
  });
  return out;
}
