// A file system that runs a hook before each call the volume reader makes, naming the call and the path (for calls
// on a descriptor or handle, the path it was opened from): to record the reader's calls, or to change the volume at
// an exact point of a read.
import type { VolumeFileHandle, VolumeFileSystem } from '../src/sources/volume.js';

export type Call = 'readlink' | 'stat' | 'lstat' | 'open' | 'fstat' | 'read' | 'close';

export function intercept(fs: unknown, hook: (call: Call, path: string) => void): VolumeFileSystem {
  const base = fs as VolumeFileSystem;
  const fdPaths = new Map<number, string>();
  const handle = (h: VolumeFileHandle, path: string): VolumeFileHandle => ({
    stat: async () => (hook('fstat', path), h.stat()),
    read: async (buffer, offset, length, position) => (hook('read', path), h.read(buffer, offset, length, position)),
    close: async () => (hook('close', path), h.close()),
  });
  return {
    readlinkSync: (p) => (hook('readlink', p), base.readlinkSync(p)),
    statSync: (p) => (hook('stat', p), base.statSync(p)),
    lstatSync: (p) => (hook('lstat', p), base.lstatSync(p)),
    readFileSync: (p) => base.readFileSync(p),
    openSync: (p, flags) => {
      hook('open', p);
      const fd = base.openSync(p, flags);
      fdPaths.set(fd, p);
      return fd;
    },
    fstatSync: (fd) => (hook('fstat', fdPaths.get(fd) ?? ''), base.fstatSync(fd)),
    readSync: (fd, buffer, offset, length, position) => (hook('read', fdPaths.get(fd) ?? ''), base.readSync(fd, buffer, offset, length, position)),
    closeSync: (fd) => {
      hook('close', fdPaths.get(fd) ?? '');
      fdPaths.delete(fd);
      base.closeSync(fd);
    },
    promises: {
      readlink: async (p) => (hook('readlink', p), base.promises.readlink(p)),
      stat: async (p) => (hook('stat', p), base.promises.stat(p)),
      lstat: async (p) => (hook('lstat', p), base.promises.lstat(p)),
      open: async (p, flags) => {
        hook('open', p);
        return handle(await base.promises.open(p, flags), p);
      },
    },
  };
}
