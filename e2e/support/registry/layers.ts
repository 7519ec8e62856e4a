import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBusyboxRootfs } from '@flotilla/tools/fixtures';

const block = 512;
/** A fixed time, so the same files always make the same layer digest. */
const mtime = Date.UTC(2024, 0, 1) / 1000;

/**
 * An uncompressed ustar layer holding `files` (paths relative to the root; parent directories are
 * added), every entry owned by root and dated `mtime`. Regular files only: whiteouts (`.wh.<name>`)
 * are regular files too.
 */
export function layerTar(files: Record<string, string | Buffer>): Buffer {
  const entries = new Map<string, Buffer | 'directory'>();
  for (const [path, content] of Object.entries(files)) {
    const parts = path.replace(/^\/+/, '').split('/');
    for (let depth = 1; depth < parts.length; depth++) entries.set(`${parts.slice(0, depth).join('/')}/`, 'directory');
    entries.set(parts.join('/'), Buffer.from(content));
  }
  const blocks: Buffer[] = [];
  // Sorted, a directory comes before what it holds.
  for (const name of [...entries.keys()].sort()) {
    const content = entries.get(name)!;
    if (content === 'directory') {
      blocks.push(ustarHeader(name, '5', 0o755, 0));
    } else {
      blocks.push(ustarHeader(name, '0', 0o644, content.length), content, Buffer.alloc((block - (content.length % block)) % block));
    }
  }
  // Two zero blocks end the archive.
  return Buffer.concat([...blocks, Buffer.alloc(2 * block)]);
}

function ustarHeader(name: string, type: '0' | '5', mode: number, size: number): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`${name}: longer than the 100 bytes of a ustar name`);
  const header = Buffer.alloc(block);
  header.write(name, 0);
  writeOctal(header, 100, 8, mode);
  writeOctal(header, 108, 8, 0); // uid
  writeOctal(header, 116, 8, 0); // gid
  writeOctal(header, 124, 12, size);
  writeOctal(header, 136, 12, mtime);
  header.write(type, 156);
  header.write('ustar\u000000', 257, 'latin1');
  // The checksum is summed with its own field as spaces.
  header.fill(' ', 148, 156);
  const checksum = header.reduce((sum, byte) => sum + byte, 0);
  header.write(`${checksum.toString(8).padStart(6, '0')}\u0000 `, 148, 'latin1');
  return header;
}

/** A NUL-terminated, zero-padded octal number filling the field. */
function writeOctal(header: Buffer, offset: number, length: number, value: number): void {
  header.write(`${value.toString(8).padStart(length - 1, '0')}\u0000`, offset, 'latin1');
}

let busybox: Buffer | undefined;

/** Debian's static busybox with its applets linked, as one layer; built once per process so its digest stays put. */
export function busyboxLayer(): Buffer {
  if (!busybox) {
    const dir = mkdtempSync(join(tmpdir(), 'busybox-layer-'));
    try {
      buildBusyboxRootfs(join(dir, 'rootfs.tar'));
      busybox = readFileSync(join(dir, 'rootfs.tar'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return busybox;
}
