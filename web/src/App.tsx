// The routes. Every page is a client-side route that the server also answers directly
// (DESIGN.md: each loadable by URL), so a pasted link reproduces the view. Each page is its own
// chunk, loaded when its route is first shown: the entry chunk holds the shell and the router
// only, so a first visit downloads what that one page needs (Layout shows them under Suspense).
import { lazy, Suspense } from 'react';
import { Navigate, Route, Routes } from 'react-router';
import { Layout } from './shell/Layout.tsx';
import { NotFound } from './shell/NotFound.tsx';

const LessonsPage = lazy(() => import('./lessons/LessonsPage.tsx').then((m) => ({ default: m.LessonsPage })));
const LessonPage = lazy(() => import('./lessons/LessonsPage.tsx').then((m) => ({ default: m.LessonPage })));
const PlaygroundPage = lazy(() => import('./playground/PlaygroundPage.tsx').then((m) => ({ default: m.PlaygroundPage })));
const InspectPage = lazy(() => import('./inspect/InspectPage.tsx').then((m) => ({ default: m.InspectPage })));
const DecodePage = lazy(() => import('./decode/DecodePage.tsx').then((m) => ({ default: m.DecodePage })));
const ProjectorPage = lazy(() => import('./workshop/ProjectorView.tsx').then((m) => ({ default: m.ProjectorPage })));
const WorkshopPage = lazy(() => import('./workshop/WorkshopPage.tsx').then((m) => ({ default: m.WorkshopPage })));
const LabsIndex = lazy(() => import('./labs/LabsPage.tsx').then((m) => ({ default: m.LabsIndex })));
const LabPage = lazy(() => import('./labs/LabsPage.tsx').then((m) => ({ default: m.LabPage })));
const ChallengesPage = lazy(() => import('./challenges/ChallengesPage.tsx').then((m) => ({ default: m.ChallengesPage })));

// Revision pages load on first visit: their search index and tables stay out of the main bundle.
const RevisePage = lazy(() => import('./revise/RevisePage.tsx').then((m) => ({ default: m.RevisePage })));
const GlossaryPage = lazy(() => import('./revise/GlossaryPage.tsx').then((m) => ({ default: m.GlossaryPage })));
const CheatsheetPage = lazy(() => import('./revise/CheatsheetPage.tsx').then((m) => ({ default: m.CheatsheetPage })));
const ConformClientPage = lazy(() => import('./conform-client/ConformClientPage.tsx').then((m) => ({ default: m.ConformClientPage })));
const InterceptPage = lazy(() => import('./intercept/InterceptPage.tsx').then((m) => ({ default: m.InterceptPage })));
const IllustratedPage = lazy(() => import('./illustrated/IllustratedPage.tsx').then((m) => ({ default: m.IllustratedPage })));
const ConformPage = lazy(() => import('./conform/ConformPage.tsx').then((m) => ({ default: m.ConformPage })));


export function App() {
  return (
    <Routes>
      <Route path="workshop/projector" element={<Suspense fallback={null}><ProjectorPage /></Suspense>} />
      <Route element={<Layout />}>
        <Route index element={<Navigate to="/lessons" replace />} />
        <Route path="lessons" element={<LessonsPage />} />
        <Route path="lessons/:id" element={<LessonPage />} />
        <Route path="playground" element={<PlaygroundPage />} />
        <Route path="inspect" element={<InspectPage />} />
        <Route path="intercept" element={<InterceptPage />} />
        <Route path="decode" element={<DecodePage />} />
        <Route path="workshop" element={<WorkshopPage />} />
        <Route path="challenges" element={<ChallengesPage />} />
        <Route path="conform/client" element={<ConformClientPage />} />
        <Route path="labs" element={<LabsIndex />} />
        <Route path="labs/:id" element={<LabPage />} />
        <Route path="revise" element={<RevisePage />} />
        <Route path="glossary" element={<GlossaryPage />} />
        <Route path="cheatsheet" element={<CheatsheetPage />} />
        <Route path="illustrated" element={<IllustratedPage />} />
        <Route path="conform" element={<ConformPage />} />
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}
