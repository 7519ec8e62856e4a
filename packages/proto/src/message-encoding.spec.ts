import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { randomBytes } from 'node:crypto';
import { encodeMessage, joinForMessage } from './message-encoding';
import { OutputChunkSchema, OutputStream, ReadContainerArchiveResponseSchema } from './gen/engine/container/v1/container_service_pb';

describe('encodeMessage', () => {
  it('encodes a large bytes field after the others, and the message decodes unchanged', () => {
    const data = randomBytes(1024 * 1024 + 3);
    const message = create(OutputChunkSchema, { stream: OutputStream.STDERR, data });

    const encoded = encodeMessage(OutputChunkSchema, message);

    const decoded = fromBinary(OutputChunkSchema, encoded);
    expect(decoded.stream).toBe(OutputStream.STDERR);
    expect(Buffer.from(decoded.data).equals(data)).toBe(true);
    expect(encoded.byteLength).toBe(toBinary(OutputChunkSchema, message).byteLength);
    // The caller's message keeps its bytes.
    expect(message.data).toBe(data);
  });

  it('encodes small messages exactly as protobuf-es does', () => {
    const message = { stream: OutputStream.STDOUT, data: Buffer.from('hello') };
    expect(Buffer.from(encodeMessage(OutputChunkSchema, message))).toEqual(Buffer.from(toBinary(OutputChunkSchema, create(OutputChunkSchema, message))));
  });

  it('encodes a large bytes member of a oneof the same way, and one not chosen not at all', () => {
    const data = randomBytes(256 * 1024);
    const message = create(ReadContainerArchiveResponseSchema, { part: { case: 'data', value: data } });
    const decoded = fromBinary(ReadContainerArchiveResponseSchema, encodeMessage(ReadContainerArchiveResponseSchema, message));
    expect(decoded.part.case).toBe('data');
    expect(Buffer.from(decoded.part.value as Uint8Array).equals(data)).toBe(true);
    expect(message.part.value).toBe(data);
    const stat = create(ReadContainerArchiveResponseSchema, { part: { case: 'stat', value: { name: 'f' } } });
    expect(Buffer.from(encodeMessage(ReadContainerArchiveResponseSchema, stat))).toEqual(Buffer.from(toBinary(ReadContainerArchiveResponseSchema, stat)));
  });

  it('writes the message into the room before a joined batch, once', () => {
    const pieces = [randomBytes(100 * 1024), randomBytes(3), randomBytes(200 * 1024)];
    const batch = joinForMessage(pieces, 300 * 1024 + 3);
    expect(batch.equals(Buffer.concat(pieces))).toBe(true);
    const message = create(ReadContainerArchiveResponseSchema, { part: { case: 'data', value: batch } });

    const first = encodeMessage(ReadContainerArchiveResponseSchema, message);
    const second = encodeMessage(ReadContainerArchiveResponseSchema, message);

    expect(first.buffer).toBe(batch.buffer);
    expect(second.buffer).not.toBe(batch.buffer);
    for (const encoded of [first, second]) {
      const decoded = fromBinary(ReadContainerArchiveResponseSchema, encoded);
      expect(Buffer.from(decoded.part.value as Uint8Array).equals(batch)).toBe(true);
      expect(Buffer.from(toBinary(ReadContainerArchiveResponseSchema, message)).equals(encoded)).toBe(true);
    }
  });

  it('copies a part of a joined batch: the room before it is not the part\'s', () => {
    const batch = joinForMessage([randomBytes(128 * 1024)], 128 * 1024);
    const message = create(OutputChunkSchema, { stream: OutputStream.STDOUT, data: batch.subarray(1) });
    const encoded = encodeMessage(OutputChunkSchema, message);
    expect(encoded.buffer).not.toBe(batch.buffer);
    expect(Buffer.from(fromBinary(OutputChunkSchema, encoded).data).equals(batch.subarray(1))).toBe(true);
  });
});
