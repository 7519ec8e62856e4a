import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { randomBytes } from 'node:crypto';
import { encodeMessage } from './message-encoding';
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
});
