import { lazy, useEffect, useState, Suspense } from 'react';
import { NavLink, Outlet, useLocation } from 'react-router';
import { ThemeToggle } from './ThemeToggle.tsx';
import { ScrollManager } from './ScrollManager.tsx';
import { ScrollHints } from './ScrollHints.tsx';

// follow-me in a workshop: its own chunk, rendering nothing outside one (web/src/workshop/RoomFollower.tsx)
const RoomFollower = lazy(() => import('../workshop/RoomFollower.tsx'));

const NAV = [
  { to: '/lessons', label: 'Lessons' },
  { to: '/challenges', label: 'Challenges' },
  { to: '/revise', label: 'Revise' },
  { to: '/playground', label: 'Playground' },
  { to: '/labs', label: 'Labs' },
  { to: '/inspect', label: 'Inspect' },
  { to: '/decode', label: 'Decode' },
  { to: '/conform', label: 'Conform' },
  { to: '/workshop', label: 'Workshop' },
];

export function Layout() {
  // Under 960 px the links fold behind a Menu button (shell.css); it closes on every navigation.
  const [menuOpen, setMenuOpen] = useState(false);
  const { key } = useLocation();
  useEffect(() => setMenuOpen(false), [key]);
  return (
    <div className="app">
      <ScrollManager />
      <ScrollHints />
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className={`topbar${menuOpen ? ' menu-open' : ''}`}>
        <NavLink to="/lessons" className="brand" aria-label="wslab home">
          <span className="brand-mark" aria-hidden="true">
            ⇄
          </span>
          wslab
        </NavLink>
        <button
          type="button"
          className="nav-toggle"
          aria-expanded={menuOpen}
          aria-controls="main-nav"
          onClick={() => setMenuOpen((open) => !open)}
        >
          <span aria-hidden="true">{menuOpen ? '✕' : '☰'}</span> Menu
        </button>
        <nav aria-label="Main" id="main-nav">
          <ul className="nav">
            {NAV.map((item) => (
              <li key={item.to}>
                <NavLink to={item.to}>{item.label}</NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <ThemeToggle />
      </header>
      <main id="main" tabIndex={-1}>
        {/* pages are loaded on first visit (App.tsx): the bar stays while one arrives */}
        <Suspense fallback={<p className="route-loading" role="status">Loading…</p>}>
          <Outlet />
        </Suspense>
      </main>
      <Suspense fallback={null}>
        <RoomFollower />
      </Suspense>
    </div>
  );
}
