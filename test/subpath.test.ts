import { describe, expect, it } from 'vitest';
import { findSubPathMounts } from '../src/live/subpath.js';

// Lines as a kubelet's container sees them: the volume mounted whole, and items mounted with subPath.
const mountinfo = [
  '1021 1003 0:312 / / rw,relatime master:301 - overlay overlay rw,lowerdir=/var/lib/containerd/l1',
  '1030 1021 0:318 / /etc/downward ro,relatime - tmpfs tmpfs rw,size=8035340k',
  '1031 1021 0:318 /..2026_11_26_09_21_53.2889837243/labels /etc/podinfo/labels ro,relatime - tmpfs tmpfs rw',
  '1032 1021 0:318 /..2026_11_26_09_21_53.2889837243/sub /etc/with\\040space ro,relatime - tmpfs tmpfs rw',
  '1033 1021 253:1 /var/lib/kubelet/pods/p/etc-hosts /etc/hosts rw,relatime - ext4 /dev/vda1 rw',
  '',
].join('\n');

describe('findSubPathMounts', () => {
  it('finds a subPath mount of an item below the directory', () => {
    expect(findSubPathMounts(mountinfo, '/etc/podinfo')).toEqual(['/etc/podinfo/labels']);
  });

  it('finds a subPath mount of the directory itself, with escaped spaces', () => {
    expect(findSubPathMounts(mountinfo, '/etc/with space')).toEqual(['/etc/with space']);
  });

  it('does not flag the volume mounted whole, nor unrelated mounts', () => {
    expect(findSubPathMounts(mountinfo, '/etc/downward')).toEqual([]);
    expect(findSubPathMounts(mountinfo, '/etc')).toEqual(['/etc/podinfo/labels', '/etc/with space']);
    expect(findSubPathMounts('', '/etc/downward')).toEqual([]);
  });
});
