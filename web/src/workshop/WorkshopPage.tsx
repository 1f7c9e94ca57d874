import { Page, Planned } from '../shell/Page.tsx';

export function WorkshopPage() {
  return (
    <Page
      title="Workshop"
      lead="A mode for a room full of learners: everyone connects to one wslab started with --workshop, the presenter's screen shows every participant's connection and message, and exercises run together."
    >
      <Planned>
        The workshop view will show who is connected, a shared chat, and the presenter's controls for breaking the
        network on purpose so the whole room sees ghost connections and reconnects happen.
      </Planned>
    </Page>
  );
}
