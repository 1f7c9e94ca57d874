// Masking made visible (RFC 6455 §5.3): the bytes on the wire, the key repeated under them,
// and the XOR of the two — the payload the application receives.
import type { Frame } from '../../../server/core/wire/types.ts';
import { asciiChar, bytesLabel, hex2 } from './bytes.ts';
import { RfcRef } from './Rfc.tsx';

const PER_ROW = 16;

export function XorTable({ frame, limit = 64 }: { frame: Frame; limit?: number }) {
  const key = frame.maskingKey;
  if (!key || frame.payload.length === 0) return null;
  const n = Math.min(limit, frame.payload.length);
  const chunks: number[] = [];
  for (let i = 0; i < n; i += PER_ROW) chunks.push(i);
  return (
    <section className="xor" aria-label="Unmasking: masked bytes XOR key">
      <h4>
        Unmasking: <span className="xor-eq">masked ⊕ key = payload</span> <RfcRef sections="5.3" />
      </h4>
      {chunks.map((start) => {
        const idx = Array.from({ length: Math.min(PER_ROW, n - start) }, (_, k) => start + k);
        return (
          <table className="xor-table" key={start}>
            <tbody>
              <tr className="xor-offset">
                <th scope="row">payload byte</th>
                {idx.map((i) => (
                  <td key={i}>{i}</td>
                ))}
              </tr>
              <tr className="xor-masked">
                <th scope="row">on the wire</th>
                {idx.map((i) => (
                  <td key={i}>{hex2(frame.payload[i] ^ key[i % 4])}</td>
                ))}
              </tr>
              <tr className="xor-key">
                <th scope="row">⊕ key[i mod 4]</th>
                {idx.map((i) => (
                  <td key={i} className={`k${i % 4}`}>
                    {hex2(key[i % 4])}
                  </td>
                ))}
              </tr>
              <tr className="xor-plain">
                <th scope="row">= payload</th>
                {idx.map((i) => (
                  <td key={i}>{hex2(frame.payload[i])}</td>
                ))}
              </tr>
              <tr className="xor-char">
                <th scope="row">as ASCII</th>
                {idx.map((i) => (
                  <td key={i}>{asciiChar(frame.payload[i])}</td>
                ))}
              </tr>
            </tbody>
          </table>
        );
      })}
      {frame.payload.length > n && (
        <p className="note">
          Showing the first {n} of {bytesLabel(frame.payload.length)}; the key keeps repeating the same way.
        </p>
      )}
    </section>
  );
}
