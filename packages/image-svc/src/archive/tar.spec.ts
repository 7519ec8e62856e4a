import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTar } from './tar-reader';
import { writeTar } from './tar-writer';

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const c of source) chunks.push(c);
  return Buffer.concat(chunks);
}

async function* inChunks(bytes: Buffer, size: number) {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

describe('tar', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tar-spec-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes archives GNU tar reads', async () => {
    const archive = await collect(
      writeTar([
        { name: 'blobs/', size: 0, content: Buffer.alloc(0), type: 'directory' },
        { name: 'blobs/one', size: 5, content: Buffer.from('hello') },
        { name: 'empty', size: 0, content: Buffer.alloc(0) },
      ]),
    );
    writeFileSync(join(dir, 'written.tar'), archive);
    expect(execFileSync('tar', ['-tf', join(dir, 'written.tar')], { encoding: 'utf8' }).split('\n').filter(Boolean)).toEqual(['blobs/', 'blobs/one', 'empty']);
    expect(execFileSync('tar', ['-xOf', join(dir, 'written.tar'), 'blobs/one'], { encoding: 'utf8' })).toBe('hello');
  });

  it('refuses content that is not the announced size', async () => {
    await expect(collect(writeTar([{ name: 'x', size: 10, content: Buffer.from('short') }]))).rejects.toThrow('5 bytes written, 10 announced');
  });

  it('reads what GNU tar writes: long names, symlinks, bodies across chunk boundaries', async () => {
    const src = join(dir, 'src');
    const longDir = 'd'.repeat(120);
    mkdirSync(join(src, longDir), { recursive: true });
    writeFileSync(join(src, longDir, 'file.txt'), 'x'.repeat(70_000));
    writeFileSync(join(src, 'small'), 'tiny');
    symlinkSync('small', join(src, 'link'));
    execFileSync('tar', ['-C', src, '-cf', join(dir, 'gnu.tar'), '.']);
    const seen: [string, string, number, string][] = [];
    for await (const { header, body } of readTar(inChunks(readFileSync(join(dir, 'gnu.tar')), 777))) {
      const content = await collect(body);
      seen.push([header.name, header.type, content.length, header.linkName]);
    }
    expect(seen).toEqual(
      expect.arrayContaining([
        [`${longDir}/file.txt`, 'file', 70_000, ''],
        ['small', 'file', 4, ''],
        ['link', 'symlink', 0, 'small'],
      ]),
    );
  });

  it('skips bodies the reader does not read, and refuses a truncated archive', async () => {
    const archive = await collect(writeTar([{ name: 'a', size: 3, content: Buffer.from('abc') }, { name: 'b', size: 2, content: Buffer.from('de') }]));
    const names: string[] = [];
    for await (const { header } of readTar(inChunks(archive, 100))) names.push(header.name);
    expect(names).toEqual(['a', 'b']);
    await expect(collect((async function* () {
      for await (const { body } of readTar(inChunks(archive.subarray(0, 600), 100))) yield* body;
    })())).rejects.toThrow('ends in the middle of an entry');
  });
});
