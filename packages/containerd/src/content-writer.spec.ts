import { createHash } from 'node:crypto';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { EmptySchema } from '@bufbuild/protobuf/wkt';
import { EngineError, joinForMessage } from '@flotilla/proto';
import * as api from './api.js';
import { maxWriteChunkBytes, writeBlob, type ContentWriteClient } from './content-writer.js';

const { STAT, WRITE, COMMIT } = api.content.WriteAction;
const MiB = maxWriteChunkBytes;

type WriteRequest = api.content.WriteContentRequest;

/** What the fake containerd does when a request arrives; returning an error fails the session. */
type Script = (request: WriteRequest, ingestOffset: bigint) => Error | undefined;

/** A content service that keeps one ingest's offset the way containerd does. */
function fakeContent(script: Script = () => undefined, existingSize?: bigint) {
  const sessions: WriteRequest[][] = [];
  const aborted: string[] = [];
  const client: ContentWriteClient = {
    write: (requests) =>
      (async function* () {
        const session: WriteRequest[] = [];
        sessions.push(session);
        let offset = 0n;
        for await (const init of requests as AsyncIterable<MessageInitShape<typeof api.content.WriteContentRequestSchema>>) {
          const request = create(api.content.WriteContentRequestSchema, init);
          session.push(request);
          const failure = script(request, offset);
          if (failure) throw failure;
          if (request.action === STAT) {
            yield create(api.content.WriteContentResponseSchema, { action: STAT, offset });
            continue;
          }
          if (request.offset === 0n) offset = 0n;
          offset += BigInt(request.data.length);
          yield create(api.content.WriteContentResponseSchema, { action: request.action, offset });
        }
      })(),
    abort: async ({ ref }) => {
      aborted.push(ref ?? '');
      return create(EmptySchema);
    },
    info: async ({ digest }) =>
      create(api.content.InfoResponseSchema, { info: { digest, size: existingSize ?? 0n } }),
  };
  return { client, sessions, aborted };
}

function bytes(size: number): Uint8Array {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (i * 31) % 251;
  return data;
}

function sha256(data: Uint8Array): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

async function* pieces(data: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
}

function summary(session: WriteRequest[]) {
  return session.map((r) => ({ action: r.action, offset: r.offset, bytes: r.data.length }));
}

describe('writeBlob', () => {
  const blob = bytes(2 * MiB + MiB / 2);

  it('sends batches that have room for their request as they are', async () => {
    const { client, sessions } = fakeContent();
    const sizes = [MiB + 64 * 1024, MiB + 64 * 1024, blob.length - 2 * (MiB + 64 * 1024)];
    const batches = (async function* () {
      let at = 0;
      for (const size of sizes) {
        yield joinForMessage([blob.subarray(at, at + size)], size);
        at += size;
      }
    })();
    const written = await writeBlob(client, batches, { ref: 'layer-batched' });
    expect(written).toEqual({ digest: sha256(blob), size: blob.length });
    expect(summary(sessions[0]).filter((r) => r.action === WRITE).map((r) => r.bytes)).toEqual(sizes);
  });

  it('sends STAT, 1 MiB writes at increasing offsets, then COMMIT at the total', async () => {
    const { client, sessions, aborted } = fakeContent();
    const labels = { 'containerd.io/gc.ref.content.config': 'sha256:abc' };

    const written = await writeBlob(client, pieces(blob, 300 * 1024), { ref: 'layer-1', labels });

    expect(written).toEqual({ digest: sha256(blob), size: blob.length });
    expect(sessions).toHaveLength(1);
    expect(summary(sessions[0])).toEqual([
      { action: STAT, offset: 0n, bytes: 0 },
      { action: WRITE, offset: 0n, bytes: MiB },
      { action: WRITE, offset: BigInt(MiB), bytes: MiB },
      { action: WRITE, offset: BigInt(2 * MiB), bytes: MiB / 2 },
      { action: COMMIT, offset: BigInt(blob.length), bytes: 0 },
    ]);
    const commit = sessions[0][4];
    expect(commit).toMatchObject({ ref: 'layer-1', total: BigInt(blob.length), expected: sha256(blob), labels });
    expect(aborted).toEqual([]);
  });

  it('cuts one large buffer into 1 MiB writes', async () => {
    const { client, sessions } = fakeContent();
    await writeBlob(client, blob, { ref: 'layer-1' });
    expect(summary(sessions[0]).map((r) => r.bytes)).toEqual([0, MiB, MiB, MiB / 2, 0]);
  });

  it('commits an empty blob', async () => {
    const { client, sessions } = fakeContent();
    const written = await writeBlob(client, new Uint8Array(0), { ref: 'empty' });
    expect(written).toEqual({ digest: sha256(new Uint8Array(0)), size: 0 });
    expect(summary(sessions[0])).toEqual([
      { action: STAT, offset: 0n, bytes: 0 },
      { action: COMMIT, offset: 0n, bytes: 0 },
    ]);
  });

  it('announces the expected digest and size, and counts an existing blob as written', async () => {
    const digest = sha256(blob);
    const { client, sessions, aborted } = fakeContent(
      (request) => (request.expected === digest ? new EngineError('conflict', 'blob exists') : undefined),
      BigInt(blob.length),
    );

    const written = await writeBlob(client, blob, { ref: 'layer-1', expectedDigest: digest, expectedSize: blob.length });

    expect(written).toEqual({ digest, size: blob.length });
    expect(sessions[0]).toHaveLength(1);
    expect(sessions[0][0]).toMatchObject({ action: STAT, expected: digest, total: BigInt(blob.length) });
    expect(aborted).toEqual([]);
  });

  it('resumes an interrupted ingest after its current offset, still hashing every byte', async () => {
    const resumeAt = BigInt(MiB + MiB / 2);
    const { client, sessions } = fakeContent();
    const resumingClient: ContentWriteClient = {
      ...client,
      write: (requests) =>
        (async function* () {
          for await (const response of client.write(requests)) {
            yield response.action === STAT ? { ...response, offset: resumeAt } : response;
          }
        })(),
    };

    const written = await writeBlob(resumingClient, blob, { ref: 'layer-1' });

    expect(written.digest).toBe(sha256(blob));
    expect(summary(sessions[0])).toEqual([
      { action: STAT, offset: 0n, bytes: 0 },
      { action: WRITE, offset: resumeAt, bytes: MiB / 2 },
      { action: WRITE, offset: BigInt(2 * MiB), bytes: MiB / 2 },
      { action: COMMIT, offset: BigInt(blob.length), bytes: 0 },
    ]);
  });

  it('aborts the ingest when a write fails', async () => {
    const { client, aborted } = fakeContent((request, offset) =>
      request.action === WRITE && offset > 0n ? new EngineError('internal', 'disk full') : undefined,
    );
    await expect(writeBlob(client, blob, { ref: 'layer-1' })).rejects.toThrow('disk full');
    expect(aborted).toEqual(['layer-1']);
  });

  it('aborts the ingest when the source fails', async () => {
    const { client, aborted } = fakeContent();
    async function* failing() {
      yield blob.subarray(0, MiB);
      throw new Error('registry connection reset');
    }
    await expect(writeBlob(client, failing(), { ref: 'layer-1' })).rejects.toThrow('registry connection reset');
    expect(aborted).toEqual(['layer-1']);
  });

  it('leaves checking an expected digest to containerd, and aborts the ingest it refuses', async () => {
    // containerd refuses a commit whose bytes do not hash to the expected digest.
    const { client, sessions, aborted } = fakeContent((request) =>
      request.action === COMMIT && request.expected !== sha256(blob)
        ? new EngineError('invalid', `unexpected commit digest ${sha256(blob)}, expected ${request.expected}`)
        : undefined,
    );
    await expect(writeBlob(client, blob, { ref: 'layer-1', expectedDigest: 'sha256:00' })).rejects.toMatchObject({
      kind: 'invalid',
      message: expect.stringContaining('unexpected commit digest'),
    });
    expect(sessions[0].at(-1)).toMatchObject({ action: COMMIT, expected: 'sha256:00' });
    expect(aborted).toEqual(['layer-1']);
  });

  it('keeps several writes in flight before their answers come', async () => {
    // A slow containerd: it answers each request a tick after it has read it.
    let received = 0;
    let answered = 0;
    let mostInFlight = 0;
    const client: ContentWriteClient = {
      ...fakeContent().client,
      write: (requests) =>
        (async function* () {
          const queue: WriteRequest[] = [];
          let ended = false;
          void (async () => {
            for await (const init of requests as AsyncIterable<MessageInitShape<typeof api.content.WriteContentRequestSchema>>) {
              queue.push(create(api.content.WriteContentRequestSchema, init));
              received++;
              mostInFlight = Math.max(mostInFlight, received - answered);
            }
            ended = true;
          })();
          let offset = 0n;
          while (!ended || queue.length) {
            await new Promise((r) => setTimeout(r, 1));
            const request = queue.shift();
            if (!request) continue;
            offset += BigInt(request.data.length);
            answered++;
            yield create(api.content.WriteContentResponseSchema, { action: request.action, offset: request.action === STAT ? 0n : offset });
          }
        })(),
    };
    const big = bytes(8 * MiB);
    await expect(writeBlob(client, big, { ref: 'layer-1', expectedDigest: sha256(big) })).resolves.toEqual({ digest: sha256(big), size: big.length });
    expect(mostInFlight).toBeGreaterThan(1);
  });

  it('treats ALREADY_EXISTS at commit as written', async () => {
    const { client, aborted } = fakeContent((request) =>
      request.action === COMMIT ? new EngineError('conflict', 'content exists') : undefined,
    );
    await expect(writeBlob(client, blob, { ref: 'layer-1' })).resolves.toEqual({ digest: sha256(blob), size: blob.length });
    expect(aborted).toEqual([]);
  });

  it('waits while another writer holds the ref, without aborting its ingest', async () => {
    let lockedSessions = 2;
    const { client, sessions, aborted } = fakeContent((request) =>
      request.action === STAT && lockedSessions-- > 0 ? new EngineError('unavailable', 'ref layer-1 locked for 1ms') : undefined,
    );
    await expect(writeBlob(client, blob, { ref: 'layer-1' })).resolves.toEqual({ digest: sha256(blob), size: blob.length });
    expect(sessions).toHaveLength(3);
    expect(aborted).toEqual([]);
  });

  it('does not retry when containerd itself is unavailable', async () => {
    const { client, sessions } = fakeContent(() => new EngineError('unavailable', 'connect ENOENT'));
    await expect(writeBlob(client, blob, { ref: 'layer-1' })).rejects.toThrow('connect ENOENT');
    expect(sessions).toHaveLength(1);
  });
});
