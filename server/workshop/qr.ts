// The join URL as a QR code for the terminal, so phones in the room join by pointing their camera
// at the laptop's screen (the presenter page shows the same code as SVG).
import { renderUnicodeCompact } from 'uqr';

/** `url` as a QR code of half-block characters, dark modules on a light quiet zone (two modules wide). */
export function qrText(url: string): string {
  return renderUnicodeCompact(url, { border: 2 });
}
