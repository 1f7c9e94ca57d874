// /lab/raw: the permissive endpoint the frame builder talks to. It accepts the first subprotocol
// offered (as every lab does), offers
// permessage-deflate, and echoes what it receives, so a learner sees how a real ws server answers
// hand-made frames, valid or not (an unmasked client frame gets close 1002, for example).
import type { Lab } from '../connection/lab.ts';

export const rawLab: Lab = {
  name: 'raw',
  description: 'Permissive endpoint for hand-built frames: deflate offered, echoes messages back.',
  wsOptions(_url, defaults) {
    return { ...defaults, perMessageDeflate: true };
  },
  onConnection(ws) {
    ws.on('message', (data, isBinary) => {
      if (ws.readyState === ws.OPEN) ws.send(data as Buffer, { binary: isBinary });
    });
  },
};
