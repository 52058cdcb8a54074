// The files of a downwardAPI volume, as the kubelet's CollectData (pkg/volume/downwardapi) builds them from its copy
// of the pod before handing them to the atomic writer.

import { posix } from '../builtins.js';
import type { UnicodeVersion } from '../format/unicode.js';
import type { DownwardVolumeItem } from '../spec/spec.js';
import type { ResolvedPod } from './pod-description.js';
import { fieldValue, resourceValue } from './pod-fields.js';

/** One file for the atomic writer: its bytes and mode. */
export interface FileProjection {
  readonly data: Uint8Array;
  readonly mode: number;
}

/** Files by their cleaned path relative to the volume, in the order of the items. */
export type Payload = ReadonlyMap<string, FileProjection>;

const utf8 = new TextEncoder();

/** Go's path.Clean for the relative paths the spec allows: `a//b/./c/` is `a/b/c`. */
function cleanPath(path: string): string {
  return posix.normalize(path).replace(/\/+$/, '');
}

/**
 * The payload for items the spec has already validated (so each has a containerName where it needs one), maps
 * quoted with the tables of `unicodeVersion` (default 15.0).
 */
export function volumePayload(
  pod: ResolvedPod,
  items: readonly DownwardVolumeItem[],
  defaultMode: number,
  unicodeVersion?: UnicodeVersion,
): Payload {
  const payload = new Map<string, FileProjection>();
  items.forEach((item, i) => {
    const at = `items[${i}]`;
    const text =
      item.fieldRef === undefined
        ? resourceValue(pod, item.resourceFieldRef, item.resourceFieldRef.containerName ?? '', `${at}.resourceFieldRef`)
        : fieldValue(pod, item.fieldRef.fieldPath, `${at}.fieldRef`, unicodeVersion);
    const path = cleanPath(item.path);
    if (path === '.' || path === '') throw new RangeError(`${at}.path ${JSON.stringify(item.path)} names the volume directory itself, not a file in it`);
    if (payload.has(path)) throw new RangeError(`${at}.path ${JSON.stringify(item.path)} names the same file as an item before it`);
    payload.set(path, { data: utf8.encode(text), mode: item.mode ?? defaultMode });
  });
  // The kubelet cannot write a file where another item needs a directory; its mount would fail.
  for (const path of payload.keys()) {
    for (let parent = posix.dirname(path); parent !== '.'; parent = posix.dirname(parent)) {
      if (payload.has(parent)) {
        throw new RangeError(`items: ${JSON.stringify(parent)} is a file, so ${JSON.stringify(path)} cannot be written below it; the kubelet fails to set up such a volume`);
      }
    }
  }
  return payload;
}
