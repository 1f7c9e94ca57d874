// One readable line per event, for `wslab watch` and logs. Pure; tolerates any event.
import type { WslabEvent } from './schema.ts';
import { bidiEscape, isBidiControl } from './bidi.ts';

const STATE_NAMES = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'];

/** Makes untrusted text safe for one terminal line: control characters become visible escapes. */
export function escapeControl(text: string, max = 80): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    // bidi controls (U+202E and friends) would reverse the rest of the line: shown as \u202e
    const piece = isBidiControl(code)
      ? bidiEscape(code)
      : code < 0x20 || (code >= 0x7f && code < 0xa0) || code === 0x2028 || code === 0x2029
        ? code === 0x0a ? '\\n' : code === 0x0d ? '\\r' : code === 0x09 ? '\\t' : `\\x${code.toString(16).padStart(2, '0')}`
        : ch;
    // Cut only when text remains, and before a piece rather than inside an escape or a surrogate pair.
    if (out.length + piece.length > max) return out + '…';
    out += piece;
  }
  return out;
}

function quote(text: string | null | undefined, max = 60): string {
  return text == null ? '' : `'${escapeControl(text, max)}'`;
}

export function formatEvent(e: WslabEvent): string {
  // Every field can come from an untrusted peer or server (`wslab watch URL` follows any server),
  // not only payload text: escape the whole line so no control character reaches the terminal.
  return escapeControl(formatLine(e), Infinity);
}

function formatLine(e: WslabEvent): string {
  const head = `${e.t.toFixed(1).padStart(10)}ms #${e.seq}${'conn' in e && e.conn ? ` ${e.conn}` : ''}`;
  switch (e.type) {
    case 'conn.open':
      return `${head} open ${e.path} from ${e.remote.address}:${e.remote.port} (${e.client}${e.subprotocol ? `, protocol ${e.subprotocol}` : ''}${e.extensions ? `, ${e.extensions}` : ''})${e.proxy ? ` proxied to ${e.proxy.target}${e.proxy.mode === 'intercept' ? ` (intercept, ${e.proxy.leg} leg, other leg ${e.proxy.peer})` : ''}` : ''}`;
    case 'handshake':
      return `${head} handshake ${e.request.method} ${e.request.target} → ${e.response.status} ${e.response.statusText}${e.key ? ` accept ${e.acceptOk ? 'ok' : 'WRONG'}` : ''}${e.extensionDeclined ? ' permessage-deflate declined' : ''}`;
    case 'frame': {
      const flags = [e.fin ? 'FIN' : 'fin=0', e.rsv1 ? 'RSV1' : '', e.rsv2 ? 'RSV2' : '', e.rsv3 ? 'RSV3' : '', e.masked ? `mask ${e.maskingKey}` : ''].filter(Boolean).join(' ');
      const body = e.closeCode !== null ? ` ${e.closeCode} ${quote(e.closeReason)}` : e.inflated !== null ? ` ${quote(e.inflated)} (inflated)` : e.text !== null ? ` ${quote(e.text)}` : e.payloadLength ? ` ${e.payloadHex.slice(0, 32)}${e.payloadHex.length > 32 ? '…' : ''}` : '';
      return `${head} ${e.dir === 'c2s' ? '→' : '←'} ${e.opcodeName.toUpperCase()} [${e.payloadLength} B, ${flags}]${body}`;
    }
    case 'message':
      return `${head} ${e.dir === 'c2s' ? '⇒' : '⇐'} message ${e.opcodeName} ${e.length} B in ${e.frames} frame${e.frames === 1 ? '' : 's'}${e.compressed ? ` (${e.wireLength} B compressed)` : ''}${e.text !== null ? ` ${quote(e.text)}` : ''}`;
    case 'state':
      return `${head} state ${e.side} ${e.from === null ? '' : `${STATE_NAMES[e.from]} → `}${STATE_NAMES[e.to]}: ${e.cause}`;
    case 'ping':
      return `${head} ping ${e.dir}${e.payloadHex ? ` ${e.payloadHex}` : ''}`;
    case 'pong':
      return `${head} pong ${e.dir}${e.rtt !== null ? ` rtt ${e.rtt.toFixed(2)} ms` : ' (unsolicited)'}`;
    case 'heartbeat':
      return `${head} heartbeat ${e.action} missed ${e.missed}/${e.maxMisses} every ${e.intervalMs} ms${e.rtt !== null ? ` rtt ${e.rtt.toFixed(2)} ms` : ''}`;
    case 'buffer':
      return `${head} buffer bufferedAmount ${e.bufferedAmount} B, socket writableLength ${e.writableLength} B`;
    case 'close':
      return `${head} close ${e.code ?? 'no code'}${e.reason ? ` ${quote(e.reason)}` : ''} by ${e.initiator}, ${e.clean ? 'clean' : 'not clean'}, ${e.durationMs.toFixed(0)} ms, ${e.bytesIn} B in / ${e.bytesOut} B out`;
    case 'meta':
      return `${head} meta socket ${e.socketId} session ${e.sessionId ?? '-'} user ${e.userId ?? '-'}${e.name ? ` name ${quote(e.name, 40)}` : ''}`;
    case 'error':
      return `${head} error (${e.source}${e.dir ? ` ${e.dir}` : ''}) ${escapeControl(e.message, 200)}${e.violation ? ` [close ${e.violation.closeCode} at byte ${e.violation.offset}]` : ''}`;
    case 'gap':
      return `${head} gap: ${e.dropped} events missed (#${e.fromSeq}–#${e.toSeq}, ${e.reason})`;
    case 'link': {
      const what =
        e.action === 'config' && e.conditions
          ? Object.entries(e.conditions).filter(([, v]) => v !== 0 && v !== false).map(([k, v]) => `${k}=${v}`).join(' ') || 'no conditions'
          : e.action === 'hold' || e.action === 'drop'
            ? `${e.dir ?? ''} ${e.bytes ?? 0} B${e.frames?.length ? ` (${e.frames.map((f) => f.opcodeName).join(', ')})` : ''}`
            : (e.path ?? e.reason ?? '');
      return `${head} link ${e.link} ${e.action} ${what}`.trimEnd();
    }
    case 'sim':
      return `${head} sim ${e.action}${e.count !== undefined ? ` ${e.count}` : ''}: ${e.clients} clients, ${e.alive} alive, ${e.blackholed} blackholed, server believes ${e.believed}`;
    case 'flow':
      return `${head} flow ${e.action} ${e.strategy}: produced ${e.produced} = delivered ${e.delivered} + dropped ${e.dropped} + queued ${e.queued}, bufferedAmount ${e.bufferedAmount} B${e.stopped ? `, stopped: ${e.stopped}` : ''}`;
    case 'refused':
      return `${head} refused ${e.path} → ${e.status}${e.origin ? ` (Origin ${quote(e.origin)})` : ''}: ${e.reason}`;
    case 'fanout':
      return `${head} fanout ${e.node} ${e.hop} ${e.topic}${e.msgId ? ` ${e.msgId}` : ''}${e.count !== null ? ` ×${e.count}` : ''}${e.detail ? ` ${e.detail}` : ''}`;
    case 'broker':
      return `${head} broker ${e.node} ${e.broker}/${e.mode} ${e.status}, ${e.topics} topics${e.detail ? `: ${e.detail}` : ''}`;
    case 'node':
      return `${head} node ${e.node} ${e.action} ${e.url}${e.detail ? `: ${e.detail}` : ''}`;
    case 'workshop': {
      const who = e.participant ? `${e.participant}${e.name ? ` ${quote(e.name, 40)}` : ''}` : 'the room';
      const what = [
        e.latencyMs !== null ? `${e.latencyMs} ms` : '',
        e.heartbeat ? (e.heartbeat.intervalMs ? `every ${e.heartbeat.intervalMs} ms × ${e.heartbeat.maxMisses}` : 'off') : '',
        e.durationMs !== null ? `for ${e.durationMs} ms` : '',
      ].filter(Boolean).join(' ');
      return `${head} workshop ${e.by} ${e.action} ${who}${what ? ` ${what}` : ''}: ${e.conns} conn${e.conns === 1 ? '' : 's'}, ${e.participants} in the room`;
    }
    case 'quiz':
      return `${head} quiz ${e.quiz} ${e.action}${e.question ? ` ${quote(e.question, 80)}` : ''}: [${e.counts.join(', ')}], ${e.answered} of ${e.participants} answered${e.correct !== null ? `, right: ${e.correct}` : ''}`;
    case 'follow':
      return `${head} follow ${e.path} ${quote(e.label, 60)}`;
    default:
      return `${head} ${(e as { type: string }).type}`;
  }
}
