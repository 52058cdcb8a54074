// The two ways the kubelet prints a time: Go layouts, reproduced for UTC only (the kubelet runs in UTC on every
// distribution we know of, and its annotation then ends in `Z`).

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/** time.Now().UTC().Format("..2006_01_02_15_04_05."): the prefix os.MkdirTemp gets from the atomic writer. */
export function timestampDirPrefix(date: Date): string {
  const day = `${date.getUTCFullYear()}_${pad(date.getUTCMonth() + 1)}_${pad(date.getUTCDate())}`;
  return `..${day}_${pad(date.getUTCHours())}_${pad(date.getUTCMinutes())}_${pad(date.getUTCSeconds())}.`;
}

/** kubetypes.RFC3339NanoFixed ("2006-01-02T15:04:05.000000000Z07:00"); a Date holds milliseconds, so the last six
 * digits are zeros. */
export function rfc3339NanoFixed(date: Date): string {
  return `${date.toISOString().slice(0, -1)}000000Z`;
}

/** Accepts what a kubelet has written for `kubernetes.io/config.seen`: RFC 3339 with up to nine fraction digits. */
export const RFC3339_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
