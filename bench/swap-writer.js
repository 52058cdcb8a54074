// A second process that swaps a downwardAPI volume's generations back to back, syscall for syscall as the kubelet's
// atomic writer does, so that readers are tested against real races. Every file of generation N carries N.
//
//   node bench/swap-writer.js DIR ORDER COUNT
//
// ORDER is `rename` (Linux kubelets: ..data_tmp renamed over ..data) or `relink` (Windows kubelets: ..data removed,
// then linked again). Prints `ready` once the first generation is in place and `done N` after N swaps.
import { chmodSync, mkdirSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generationFiles } from './swap-spec.js';

const [dir, order = 'rename', countText = '1000'] = process.argv.slice(2);
if (dir === undefined || !['rename', 'relink'].includes(order)) {
  process.stderr.write('usage: node bench/swap-writer.js DIR rename|relink COUNT\n');
  process.exit(2);
}
const count = Number(countText);

let old;
function write(n) {
  // A timestamped name as the kubelet's: ..YYYY_MM_DD_HH_MM_SS.<digits>; the digits keep names unique.
  const stamp = new Date().toISOString().slice(0, 19).replace(/[-T:]/g, '_');
  const name = `..${stamp}.${process.pid}${n}`;
  const ts = join(dir, name);
  mkdirSync(ts, { mode: 0o700 });
  chmodSync(ts, 0o755);
  for (const [path, text] of Object.entries(generationFiles(n))) {
    if (path.includes('/')) mkdirSync(join(ts, path, '..'), { recursive: true });
    writeFileSync(join(ts, path), text, { mode: 0o644 });
  }
  symlinkSync(name, join(dir, '..data_tmp'));
  if (order === 'rename' || old === undefined) {
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
  } else {
    unlinkSync(join(dir, '..data'));
    symlinkSync(name, join(dir, '..data'));
    unlinkSync(join(dir, '..data_tmp'));
  }
  if (old === undefined) for (const top of ['labels', 'annotations', 'gen', 'sub']) symlinkSync(join('..data', top), join(dir, top));
  else rmSync(join(dir, old), { recursive: true, force: true });
  old = name;
}

mkdirSync(dir, { recursive: true });
write(0);
process.stdout.write('ready\n');
for (let n = 1; n <= count; n++) write(n);
process.stdout.write(`done ${count}\n`);
