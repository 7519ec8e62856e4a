const blockSize = 512;

/** A ustar archive of one regular file at the top, owned by root and dated the epoch. */
export function singleFileTar(name: string, content: Buffer): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`${name}: longer than a ustar name`);
  const header = Buffer.alloc(blockSize);
  header.write(name, 0);
  writeOctal(header, 100, 8, 0o644); // mode
  writeOctal(header, 108, 8, 0); // uid
  writeOctal(header, 116, 8, 0); // gid
  writeOctal(header, 124, 12, content.length);
  writeOctal(header, 136, 12, 0); // mtime
  header.write('0', 156); // a regular file
  header.write('ustar\u000000', 257, 'latin1');
  // The checksum counts its own field as spaces.
  header.fill(' ', 148, 156);
  const checksum = header.reduce((sum, byte) => sum + byte, 0);
  header.write(`${checksum.toString(8).padStart(6, '0')}\u0000`, 148, 'latin1');
  const padding = Buffer.alloc((blockSize - (content.length % blockSize)) % blockSize);
  // Two zero blocks end the archive.
  return Buffer.concat([header, content, padding, Buffer.alloc(2 * blockSize)]);
}

/** Zero-padded octal digits and a NUL, filling the field. */
function writeOctal(header: Buffer, offset: number, length: number, value: number): void {
  header.write(`${value.toString(8).padStart(length - 1, '0')}\u0000`, offset, 'latin1');
}
