// /lab/echo: sends every message straight back; text stays text, binary stays binary.
// `?deflate=1` offers permessage-deflate so compressed (RSV1) frames can be watched: without context
// takeover and with small windows, a few KiB a connection. `?deflate=takeover` offers ws's defaults
// (context takeover, 32 KiB windows, about 300 KiB a connection), which the data-types lab shows.
import type { Lab } from '../connection/lab.ts';

export const echoLab: Lab = {
  name: 'echo',
  description: 'Echoes every message back (text stays text, binary stays binary); ?deflate=1 offers permessage-deflate (no context takeover, small windows), ?deflate=takeover with context takeover.',
  wsOptions(url, defaults) {
    const deflate = url.searchParams.get('deflate');
    return { ...defaults, perMessageDeflate: deflate === 'takeover' ? 'takeover' : deflate === '1' };
  },
  onConnection(ws) {
    ws.on('message', (data, isBinary) => {
      if (ws.readyState === ws.OPEN) ws.send(data as Buffer, { binary: isBinary });
    });
  },
};
