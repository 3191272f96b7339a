import type { Line } from '../text/lines';

/**
 * @internal Detail for a line with a C0 control character other than tab (NUL, a stray carriage
 * return, …: never part of well-formed text corpora), or null when there is none. DEL is let
 * through: THUCNews has one in a real headline.
 */
export function controlCharDetail(text: string): string | null {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 32 && c !== 9) {
      const code = c.toString(16).toUpperCase().padStart(4, '0');
      return `expected text, got the control character U+${code} at column ${i + 1}`;
    }
  }
  return null;
}

/** @internal The text of a line, or null after reporting it as invalid UTF-8. */
export function lineText(l: Line, invalid: (line: number, detail: string) => void): string | null {
  if (l.text === null) {
    invalid(l.line, l.error ?? 'expected valid UTF-8');
    return null;
  }
  return l.text;
}
