// /lab/echo: sends every message straight back; text stays text, binary stays binary.
// `?deflate=1` offers permessage-deflate so compressed (RSV1) frames can be watched.
import type { Lab } from '../connection/lab.ts';

export const echoLab: Lab = {
  name: 'echo',
  description: 'Echoes every message back (text stays text, binary stays binary); ?deflate=1 offers permessage-deflate.',
  wsOptions(url, defaults) {
    return { ...defaults, perMessageDeflate: url.searchParams.get('deflate') === '1' };
  },
  onConnection(ws) {
    ws.on('message', (data, isBinary) => {
      if (ws.readyState === ws.OPEN) ws.send(data as Buffer, { binary: isBinary });
    });
  },
};
