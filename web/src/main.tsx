import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { App } from './App.tsx';
import { capturePresenterKey } from './workshop/key.ts';
import './styles/base.css';
import './styles/shell.css';
import './styles/anatomy.css';
import './styles/decode.css';
import './styles/scroll.css';

// before anything renders or fetches: the presenter key leaves the address bar (workshop/key.ts)
capturePresenterKey();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <BrowserRouter>
      <App />
    </BrowserRouter>
  </StrictMode>,
);
