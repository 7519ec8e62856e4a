import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxLayer, layerTar } from './layers';

const files = { 'hello.txt': 'hello\n', 'etc/app/config.json': Buffer.from('{"a":1}'), 'etc/.wh.passwd': '' };

describe('layerTar', () => {
  it('writes a tar that GNU tar lists with parent directories, owners and modes', () => {
    const listing = execFileSync('tar', ['--utc', '-tvf', '-'], { input: layerTar(files), encoding: 'utf8' });
    expect(listing.trim().split('\n')).toEqual([
      'drwxr-xr-x 0/0               0 2024-01-01 00:00 etc/',
      '-rw-r--r-- 0/0               0 2024-01-01 00:00 etc/.wh.passwd',
      'drwxr-xr-x 0/0               0 2024-01-01 00:00 etc/app/',
      '-rw-r--r-- 0/0               7 2024-01-01 00:00 etc/app/config.json',
      '-rw-r--r-- 0/0               6 2024-01-01 00:00 hello.txt',
    ]);
  });

  it('holds the bytes it was given, padded to whole blocks, and the same files make the same layer', () => {
    const dir = mkdtempSync(join(tmpdir(), 'layer-tar-'));
    try {
      const tar = layerTar({ ...files, 'big.bin': Buffer.alloc(1000, 7) });
      expect(tar.length % 512).toBe(0);
      execFileSync('tar', ['-xf', '-', '-C', dir], { input: tar });
      expect(readFileSync(join(dir, 'hello.txt'), 'utf8')).toBe('hello\n');
      expect(readFileSync(join(dir, 'etc/app/config.json'), 'utf8')).toBe('{"a":1}');
      expect(readFileSync(join(dir, 'big.bin'))).toEqual(Buffer.alloc(1000, 7));
      expect(layerTar({ ...files, 'big.bin': Buffer.alloc(1000, 7) })).toEqual(tar);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a name that does not fit a ustar header', () => {
    expect(() => layerTar({ [`${'d'.repeat(60)}/${'f'.repeat(60)}`]: '' })).toThrow(/longer than the 100 bytes/);
  });
});

describe('busyboxLayer', () => {
  it('is a root with busybox and its applets, the same bytes every time', () => {
    const listing = execFileSync('tar', ['-tvf', '-'], { input: busyboxLayer(), encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    expect(listing).toMatch(/^-rwx.* \.\/bin\/busybox$/m);
    expect(listing).toMatch(/^l.* \.\/bin\/sh -> busybox$/m);
    expect(busyboxLayer()).toBe(busyboxLayer());
  });
});
