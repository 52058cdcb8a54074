// A container that mounts a downwardAPI volume with `subPath` gets a bind mount of one generation's directory (or
// file): the kubelet never updates it. /proc/self/mountinfo shows such mounts: their root lies inside a
// timestamped generation directory of the atomic writer.

const GENERATION = /(?:^|\/)\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\.\d+(?:\/|$)/;

/** mountinfo escapes space, tab, newline and backslash as octal. */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

/**
 * The mount points at or below `dir` whose source is a generation directory of an atomic-writer volume, from the
 * text of /proc/self/mountinfo (fields: id, parent, major:minor, root, mount point, ...).
 */
export function findSubPathMounts(mountinfo: string, dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  const found: string[] = [];
  for (const line of mountinfo.split('\n')) {
    const fields = line.split(' ');
    const root = fields[3];
    const mountPoint = fields[4];
    if (root === undefined || mountPoint === undefined) continue;
    const point = unescape(mountPoint);
    if ((point === dir || point.startsWith(prefix)) && GENERATION.test(unescape(root))) found.push(point);
  }
  return found;
}
