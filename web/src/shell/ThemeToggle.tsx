import { useState } from 'react';
import { applyThemeChoice, nextThemeChoice, readThemeChoice, type ThemeChoice } from './theme.ts';

const LABEL: Record<ThemeChoice, string> = { system: 'Theme: system', light: 'Theme: light', dark: 'Theme: dark' };
const ICON: Record<ThemeChoice, string> = { system: '◐', light: '☀', dark: '☾' };

export function ThemeToggle() {
  const [choice, setChoice] = useState<ThemeChoice>(readThemeChoice);
  const next = nextThemeChoice(choice);
  return (
    <button
      type="button"
      className="theme-toggle"
      title={`${LABEL[choice]} — switch to ${next}`}
      aria-label={`${LABEL[choice]}. Switch to ${next}.`}
      onClick={() => {
        applyThemeChoice(next);
        setChoice(next);
      }}
    >
      <span aria-hidden="true">{ICON[choice]}</span> {LABEL[choice].replace('Theme: ', '')}
    </button>
  );
}
