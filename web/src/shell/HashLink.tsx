import type { MouseEvent, ReactNode } from 'react';
import { useNavigate } from 'react-router';

/**
 * A link to an anchor on this page that goes through the router, so the jump is a history
 * entry of its own (back returns to where the reader was) and ScrollManager places it. The
 * href stays "#id": copying the link or opening it in a new tab works as a plain anchor.
 */
export function HashLink({ id, children, className }: { id: string; children: ReactNode; className?: string }) {
  const navigate = useNavigate();
  const onClick = (e: MouseEvent<HTMLAnchorElement>): void => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    void navigate({ hash: id });
  };
  return (
    <a href={`#${id}`} className={className} onClick={onClick}>
      {children}
    </a>
  );
}
