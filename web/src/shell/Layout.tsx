import { NavLink, Outlet } from 'react-router';
import { ThemeToggle } from './ThemeToggle.tsx';

const NAV = [
  { to: '/lessons', label: 'Lessons' },
  { to: '/challenges', label: 'Challenges' },
  { to: '/playground', label: 'Playground' },
  { to: '/labs', label: 'Labs' },
  { to: '/inspect', label: 'Inspect' },
  { to: '/decode', label: 'Decode' },
  { to: '/workshop', label: 'Workshop' },
];

export function Layout() {
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <NavLink to="/lessons" className="brand" aria-label="wslab home">
          <span className="brand-mark" aria-hidden="true">
            ⇄
          </span>
          wslab
        </NavLink>
        <nav aria-label="Main">
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
        <Outlet />
      </main>
    </div>
  );
}
