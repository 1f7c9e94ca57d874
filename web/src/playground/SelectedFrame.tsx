// The frame the learner picked (an arrow in the diagram, a row in the frame list), drawn whole with
// the inspector's frame anatomy right in the playground: header bit by bit, masking, payload.
import { useNavigate } from 'react-router';
import { FrameDetail } from '../inspect/FrameDetail.tsx';
import { indexOfSeq, messageOpcodeOf } from '../inspect/model.ts';
import { useStoreSelector } from '../store/hooks.ts';
import { getStore } from '../store/store.ts';
import { select, useSelection } from '../store/selection.ts';
import '../inspect/inspect.css';

export function SelectedFrame() {
  const selection = useSelection();
  // re-render when the selected frame arrives or is evicted, not on every new frame
  useStoreSelector((s) => (selection.seq === null ? -1 : indexOfSeq(s.frames, selection.seq) >= 0 ? 1 : 0), [selection.seq]);
  const store = getStore();
  const navigate = useNavigate();
  if (selection.seq === null) return null;
  const i = indexOfSeq(store.frames, selection.seq);
  if (i < 0) {
    // a handshake arrow, or a frame the store no longer holds
    return <p className="hint pg-small pg-selected-none">Event #{selection.seq} is not a frame (the handshake is drawn from the HTTP head): its anatomy is in the connection view of /inspect.</p>;
  }
  const frame = store.frames[i];
  return (
    <div className="pg-selected-frame" data-testid="selected-frame">
      <FrameDetail
        frame={frame}
        messageOpcode={messageOpcodeOf(store.frames, i)}
        onShowConnection={(conn) => navigate(`/inspect?conn=${encodeURIComponent(conn)}`)}
        onClose={() => select({ seq: null })}
      />
    </div>
  );
}
