/** Links to RFC 6455 sections: "5.2, 5.4" → "§5.2, §5.4" each linking to the section. */
export function RfcRef({ sections, rfc = 6455 }: { sections: string; rfc?: number }) {
  const parts = sections.split(/\s*,\s*/).filter(Boolean);
  return (
    <span className="rfc-ref">
      RFC {rfc}{' '}
      {parts.map((s, i) => (
        <span key={s}>
          {i > 0 && ', '}
          <a href={`https://www.rfc-editor.org/rfc/rfc${rfc}#section-${s}`} target="_blank" rel="noreferrer noopener">
            §{s}
          </a>
        </span>
      ))}
    </span>
  );
}
