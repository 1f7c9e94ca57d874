import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { App } from './App.tsx';
import { capturePresenterKey, presenterKey } from './workshop/key.ts';
import { streamTicket } from './workshop/api.ts';
import { streamWithTicket } from './store/store.ts';
import './styles/base.css';
import './styles/shell.css';
import './styles/anatomy.css';
import './styles/decode.css';
import './styles/scroll.css';

// before anything renders or fetches: the presenter key leaves the address bar (workshop/key.ts)
capturePresenterKey();
// the workshop presenter's tab reads the whole room's event stream, on every page (a ticket per connect)
const key = presenterKey();
if (key) streamWithTicket(() => streamTicket(key));

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <BrowserRouter>
      <App />
    </BrowserRouter>
  </StrictMode>,
);
