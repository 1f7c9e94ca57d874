// One big measured number with its label.
export function Figure({ label, value, testId, tone }: { label: string; value: string; testId: string; tone?: 'accent' | 'ok' | 'danger' }) {
  return (
    <div className={`lab-figure${tone ? ` lab-${tone}` : ''}`}>
      <span className="lab-figure-value" data-testid={testId}>
        {value}
      </span>
      <span className="lab-figure-label">{label}</span>
    </div>
  );
}
