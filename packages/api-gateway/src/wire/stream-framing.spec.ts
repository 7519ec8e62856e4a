import { PassThrough } from 'node:stream';
import { frameHeader, StreamType, writeFrame } from './stream-framing';

describe('stream framing', () => {
  it('puts the stream type first and the size big-endian in the last four bytes', () => {
    expect([...frameHeader(StreamType.Stderr, 0x01020304)]).toEqual([2, 0, 0, 0, 1, 2, 3, 4]);
  });

  it('writes header and payload back to back', async () => {
    const out = new PassThrough();
    writeFrame(out, StreamType.Stdout, Buffer.from('hello\n'));
    out.end();
    const bytes: Buffer[] = [];
    for await (const chunk of out) bytes.push(chunk as Buffer);
    expect(Buffer.concat(bytes).toString('hex')).toBe('0100000000000006' + Buffer.from('hello\n').toString('hex'));
  });
});
