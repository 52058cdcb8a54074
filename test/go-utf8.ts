// Go's decoding of a byte string to runes (`for range s`), written from the Go spec's table of well-formed UTF-8
// (utf8.acceptRanges) independently of src/format/utf8.ts, so that tests compare two implementations.

/** Lead byte to [sequence length, low and high bound of the second byte]. */
function shape(lead: number): [number, number, number] | undefined {
  if (lead >= 0xc2 && lead <= 0xdf) return [2, 0x80, 0xbf];
  if (lead === 0xe0) return [3, 0xa0, 0xbf];
  if (lead === 0xed) return [3, 0x80, 0x9f];
  if (lead >= 0xe1 && lead <= 0xef) return [3, 0x80, 0xbf];
  if (lead === 0xf0) return [4, 0x90, 0xbf];
  if (lead === 0xf4) return [4, 0x80, 0x8f];
  if (lead >= 0xf1 && lead <= 0xf3) return [4, 0x80, 0xbf];
  return undefined;
}

/** The runes Go reads from `bytes`: (RuneError, 1) for each byte that does not start a complete valid sequence. */
export function goRunes(bytes: Uint8Array): number[] {
  const runes: number[] = [];
  for (let i = 0; i < bytes.length; ) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      runes.push(lead);
      i += 1;
      continue;
    }
    const s = shape(lead);
    const ok =
      s !== undefined &&
      i + s[0] <= bytes.length &&
      bytes[i + 1]! >= s[1] &&
      bytes[i + 1]! <= s[2] &&
      bytes.subarray(i + 2, i + s[0]).every((b) => b >= 0x80 && b <= 0xbf);
    if (!ok) {
      runes.push(0xfffd);
      i += 1;
      continue;
    }
    const [length] = s;
    let rune = lead & (0x7f >> length);
    for (let j = 1; j < length; j += 1) rune = (rune << 6) | (bytes[i + j]! & 0x3f);
    runes.push(rune);
    i += length;
  }
  return runes;
}

export function goDecode(bytes: Uint8Array): string {
  return goRunes(bytes).map((rune) => String.fromCodePoint(rune)).join('');
}
