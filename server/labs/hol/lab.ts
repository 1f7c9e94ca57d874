// /lab/hol: the head-of-line blocking lab's endpoint. It keeps nothing: every message, text or
// binary, is answered at once with a small JSON acknowledgement
//
//   {"type":"ack","n":2,"bytes":10,"binary":false,"t":1234.56}
//
// (n counts this connection's messages from 1, t is the server's event clock when ws delivered
// the whole message), so the way back stays tiny and never becomes the bottleneck: a big echo
// would measure the return trip too. On open it says {"type":"hello","conn":"c7","maxPayload":N}
// so a page learns its connection id for /inspect before it sends anything.
//
// The lab's purpose is a big message, so its cap is raised above the other labs' default; it is
// still a cap: a larger message is refused by ws with close code 1009. No permessage-deflate: a
// compressed megabyte of zeros would cross a throttled link in a blink and hide the queueing.
import type { Lab } from '../../connection/lab.ts';
import { HOL_MAX_PAYLOAD, type HolAck, type HolHello } from '../../core/labs/hol.ts';


export const holLab: Lab = {
  name: 'hol',
  description: `Acknowledges every message with {"type":"ack",n,bytes,binary,t} instead of echoing it; accepts up to ${HOL_MAX_PAYLOAD / 1048576} MiB (1009 above). The head-of-line blocking lab's endpoint.`,
  wsOptions() {
    return { perMessageDeflate: false, maxPayload: HOL_MAX_PAYLOAD };
  },
  onConnection(ws, ctx) {
    const { bus, conn } = ctx;
    let n = 0;
    const hello: HolHello = { type: 'hello', conn, maxPayload: HOL_MAX_PAYLOAD };
    ws.send(JSON.stringify(hello));
    ws.on('message', (data, isBinary) => {
      const ack: HolAck = { type: 'ack', n: ++n, bytes: byteLength(data), binary: isBinary, t: Math.round(bus.now() * 100) / 100 };
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(ack));
    });
  },
};

function byteLength(data: Buffer | ArrayBuffer | Buffer[]): number {
  if (Array.isArray(data)) return data.reduce((sum, b) => sum + b.length, 0);
  return data instanceof ArrayBuffer ? data.byteLength : data.length;
}
