// A classic hex + ASCII dump of some bytes (binary payloads).
import { asciiChar, bytesLabel, hex2 } from './bytes.ts';

export function HexAscii({ bytes, limit = 1024 }: { bytes: Uint8Array; limit?: number }) {
  const n = Math.min(limit, bytes.length);
  const rows: number[] = [];
  for (let i = 0; i < n; i += 16) rows.push(i);
  return (
    <div className="hexascii">
      <pre>
        {rows.map((start) => {
          const row = Array.from(bytes.subarray(start, Math.min(start + 16, n)));
          const hex = row.map(hex2).join(' ').padEnd(16 * 3 - 1, ' ');
          return `${start.toString(16).padStart(6, '0')}  ${hex}  ${row.map(asciiChar).join('')}\n`;
        })}
      </pre>
      {bytes.length > n && <p className="note">Showing the first {n} of {bytesLabel(bytes.length)}.</p>}
    </div>
  );
}
