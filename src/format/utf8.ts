// Bytes to text the way every reader here needs it: invalid sequences become U+FFFD (never an exception), and a
// leading U+FEFF is kept, since a plain TextDecoder silently drops it and a value may start with one.

const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

export function decodeUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** File-system calls return a string or bytes depending on the implementation (node:fs, memfs). */
export function asText(value: string | Uint8Array): string {
  return typeof value === 'string' ? value : decoder.decode(value);
}
