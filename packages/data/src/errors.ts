// `DataFormatError` lives in @rnn/tensor, shared with @rnn/nn's serialization; re-exported here.
export { DataFormatError } from '@rnn/tensor';

/** Shortens a piece of input for an error message, and makes invisible characters visible. */
export function quote(text: string, max = 60): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(cut);
}
