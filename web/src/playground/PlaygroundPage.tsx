import { Link } from 'react-router';
import { Page, Planned } from '../shell/Page.tsx';

export function PlaygroundPage() {
  return (
    <Page
      title="Playground"
      lead="Open WebSocket connections from this page to the lab endpoints of this server (echo, chat rooms, a ticker, raw frames), send text, JSON or binary, and watch both ends react."
    >
      <Planned>
        The playground will put a connection panel, a message composer and a terminal side by side, and let you slow
        the link down, drop it or black-hole it to see what a real network does to a socket. Meanwhile you can take
        frames apart in the <Link to="/decode">decoder</Link>.
      </Planned>
    </Page>
  );
}
