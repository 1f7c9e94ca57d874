import { useEffect, type ReactNode } from 'react';

/** A page: sets the document title and draws the heading and its lead paragraph. */
export function Page({ title, lead, children }: { title: string; lead?: ReactNode; children?: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · wslab`;
  }, [title]);
  return (
    <div className="page">
      <h1>{title}</h1>
      {lead && <p className="lead">{lead}</p>}
      {children}
    </div>
  );
}
