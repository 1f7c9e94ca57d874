import { Link, useLocation } from 'react-router';
import { Page } from './Page.tsx';

export function NotFound() {
  const { pathname } = useLocation();
  return (
    <Page title="Page not found" lead={<>There is no page at <code>{pathname}</code>.</>}>
      <p>
        Try the <Link to="/lessons">lessons</Link> or the <Link to="/decode">frame decoder</Link>.
      </p>
    </Page>
  );
}
