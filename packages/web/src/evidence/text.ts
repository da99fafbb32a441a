/** Measured bytes as text for display: OONI stores non-UTF-8 bodies and headers as base64 (`MaybeBinary`). */
import type { MaybeBinary } from 'blockwatch/model';

export interface ShownText {
  text: string;
  /** bytes that were not valid UTF-8 (shown as a size, not as text) */
  binaryBytes: number | null;
}

export function maybeBinaryText(value: MaybeBinary | null | undefined): ShownText {
  if (value === null || value === undefined) return { text: '', binaryBytes: null };
  if (typeof value === 'string') return { text: value, binaryBytes: null };
  if (typeof value === 'object' && value.format === 'base64' && typeof value.data === 'string') {
    try {
      const binary = atob(value.data);
      const bytes = new Uint8Array(binary.length);
      for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
      try {
        return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), binaryBytes: null };
      } catch {
        return { text: '', binaryBytes: bytes.length };
      }
    } catch {
      return { text: '', binaryBytes: 0 };
    }
  }
  return { text: '', binaryBytes: null };
}

/** The start of a long text, for excerpts; the full body stays in the raw JSON download. */
export function excerpt(text: string, maxChars = 4000): { text: string; cut: boolean } {
  return text.length > maxChars ? { text: text.slice(0, maxChars), cut: true } : { text, cut: false };
}
