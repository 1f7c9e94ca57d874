// The routes. Every page is a client-side route that the server also answers directly
// (DESIGN.md: each loadable by URL), so a pasted link reproduces the view.
import { lazy, Suspense, type ReactNode } from 'react';
import { Navigate, Route, Routes } from 'react-router';
import { Layout } from './shell/Layout.tsx';
import { NotFound } from './shell/NotFound.tsx';
import { LessonsPage, LessonPage } from './lessons/LessonsPage.tsx';
import { PlaygroundPage } from './playground/PlaygroundPage.tsx';
import { InspectPage } from './inspect/InspectPage.tsx';
import { DecodePage } from './decode/DecodePage.tsx';
import { WorkshopPage } from './workshop/WorkshopPage.tsx';
import { LabsIndex, LabPage } from './labs/LabsPage.tsx';

// Revision pages load on first visit: their search index and tables stay out of the main bundle.
const RevisePage = lazy(() => import('./revise/RevisePage.tsx').then((m) => ({ default: m.RevisePage })));
const GlossaryPage = lazy(() => import('./revise/GlossaryPage.tsx').then((m) => ({ default: m.GlossaryPage })));
const CheatsheetPage = lazy(() => import('./revise/CheatsheetPage.tsx').then((m) => ({ default: m.CheatsheetPage })));

function Later({ children }: { children: ReactNode }) {
  return <Suspense fallback={<p className="page">Loading…</p>}>{children}</Suspense>;
}

export function App() {
  return (
    <Routes>
      <Route element={<Layout />}>
        <Route index element={<Navigate to="/lessons" replace />} />
        <Route path="lessons" element={<LessonsPage />} />
        <Route path="lessons/:id" element={<LessonPage />} />
        <Route path="playground" element={<PlaygroundPage />} />
        <Route path="inspect" element={<InspectPage />} />
        <Route path="decode" element={<DecodePage />} />
        <Route path="workshop" element={<WorkshopPage />} />
        <Route path="labs" element={<LabsIndex />} />
        <Route path="labs/:id" element={<LabPage />} />
        <Route path="revise" element={<Later><RevisePage /></Later>} />
        <Route path="glossary" element={<Later><GlossaryPage /></Later>} />
        <Route path="cheatsheet" element={<Later><CheatsheetPage /></Later>} />
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}
