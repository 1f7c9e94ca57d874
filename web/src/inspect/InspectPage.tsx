import { Link } from 'react-router';
import { Page, Planned } from '../shell/Page.tsx';

export function InspectPage() {
  return (
    <Page
      title="Inspect"
      lead="A live view of every connection to this server: each frame as it crosses the wire, in both directions, with its header drawn bit by bit and the handshake that started it."
    >
      <Planned>
        The inspector will subscribe to the server's event stream and list frames as they arrive, with a sequence
        diagram of who talked to whom. It will reuse the frame anatomy you can already try on pasted bytes in the{' '}
        <Link to="/decode">decoder</Link>.
      </Planned>
    </Page>
  );
}
