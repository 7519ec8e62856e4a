import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { EngineError } from './engine-error';
import { connectChannel, connectService, createClient, fromServiceError, serviceRegistration, widenReceiveWindows, type CallContext, type ServiceHandlers } from './grpc';
import { currentRequestId, withRequestId } from './request-context';
import * as containerV1 from './gen/engine/container/v1/container_service_pb';
import * as imageV1 from './gen/engine/image/v1/image_service_pb';

const silent = { debug: () => undefined, warn: () => undefined, error: () => undefined };

function unimplemented(): never {
  throw EngineError.notImplemented('not in this test');
}

describe('the grpc-js adapter', () => {
  const dir = mkdtempSync(join(tmpdir(), 'grpc-adapter-'));
  const address = `unix://${join(dir, 'test.sock')}`;
  const server = new grpc.Server();
  const seen: { requestIds: (string | undefined)[]; cancelled: boolean; chunks: string[]; signals: AbortSignal[] } = { requestIds: [], cancelled: false, chunks: [], signals: [] };

  const containers: ServiceHandlers<typeof containerV1.ContainerService> = {
    async createContainer(req, ctx: CallContext) {
      seen.requestIds.push(ctx.requestId, currentRequestId());
      seen.signals.push(ctx.signal);
      if (req.name === 'missing') throw EngineError.notFound('No such image: missing:latest');
      if (req.name === 'running') throw EngineError.notModified();
      if (req.name === 'slow') await new Promise((r) => setTimeout(r, 500));
      return { id: `id-of-${req.name}` };
    },
    async *waitContainer(_req, ctx) {
      yield { result: { case: 'registered', value: {} } };
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
      seen.cancelled = true;
    },
    async *attachContainer(requests) {
      const received: string[] = [];
      for await (const req of requests) if (req.request.case === 'stdin') received.push(Buffer.from(req.request.value).toString());
      // The client finished sending: its answer still has to get through.
      await new Promise((r) => setTimeout(r, 20));
      yield { response: { case: 'output', value: { data: Buffer.from(received.join('')) } } };
      yield { response: { case: 'output', value: { data: Buffer.from('done') } } };
    },
    async *startExec(requests) {
      // Echoes stdin as it comes, as `cat` in an exec does.
      for await (const req of requests) {
        if (req.request.case !== 'stdin') continue;
        // The process exited: the call ends while the client could still send.
        if (Buffer.from(req.request.value).toString() === 'exit') return;
        yield { response: { case: 'output', value: { data: req.request.value } } };
      }
    },
    async *readContainerArchive() {
      // Numbered 64 KiB parts: more than a slow reader's queue holds.
      for (let i = 0; i < 200; i++) yield { part: { case: 'data', value: Buffer.alloc(64 * 1024, i % 256) } };
    },
    startContainer: unimplemented,
    stopContainer: unimplemented,
    killContainer: unimplemented,
    removeContainer: unimplemented,
    resizeContainerTty: unimplemented,
    listContainers: unimplemented,
    inspectContainer: unimplemented,
  };
  const images: ServiceHandlers<typeof imageV1.ImageService> = {
    async importImage(requests) {
      for await (const req of requests) if (req.request.case === 'chunk') seen.chunks.push(Buffer.from(req.request.value).toString());
      return { imageId: 'sha256:imported' };
    },
    listImages: unimplemented,
    inspectImage: unimplemented,
  };

  const channel = connectChannel(address);
  const containerClient = createClient(containerV1.ContainerService, channel);
  const imageClient = createClient(imageV1.ImageService, channel);

  beforeAll(async () => {
    for (const { definition, implementation } of [
      serviceRegistration(containerV1.ContainerService, containers, silent),
      serviceRegistration(imageV1.ImageService, images, silent),
    ]) {
      server.addService(definition, implementation);
    }
    await new Promise<void>((resolve, reject) => server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
    widenReceiveWindows(server);
  });

  afterAll(() => {
    channel.close();
    server.forceShutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('carries the caller request id to the handler and its async context', async () => {
    const created = await withRequestId('req-42', () => containerClient.createContainer({ name: 'web' }));
    expect(created.id).toBe('id-of-web');
    expect(seen.requestIds).toEqual(['req-42', 'req-42']);
  });

  it('gives the handler a fresh request id when the caller has none', async () => {
    seen.requestIds = [];
    await containerClient.createContainer({ name: 'web' });
    expect(seen.requestIds[0]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('leaves an answered call\'s signal alone when its stream closes', async () => {
    await containerClient.createContainer({ name: 'answered' });
    const signal = seen.signals.at(-1)!;
    // grpc-js reports the call cancelled as its stream closes, just after the answer.
    await new Promise((r) => setTimeout(r, 50));
    expect(signal.aborted).toBe(false);
  });

  it('brings back the exact error kind, even those that share a gRPC code', async () => {
    await expect(containerClient.createContainer({ name: 'missing' })).rejects.toMatchObject({
      kind: 'not-found',
      message: 'No such image: missing:latest',
    });
    await expect(containerClient.createContainer({ name: 'running' })).rejects.toMatchObject({ kind: 'not-modified' });
    await expect(containerClient.startContainer({ id: 'x' })).rejects.toMatchObject({ kind: 'not-implemented' });
  });

  it('keeps answering a bidirectional call after the client has finished sending', async () => {
    async function* input() {
      yield { request: { case: 'stdin' as const, value: Buffer.from('hel') } };
      yield { request: { case: 'stdin' as const, value: Buffer.from('lo') } };
    }
    const outputs: string[] = [];
    for await (const res of containerClient.attachContainer(input())) {
      if (res.response.case === 'output') outputs.push(Buffer.from(res.response.value.data).toString());
    }
    expect(outputs).toEqual(['hello', 'done']);
  });

  it('carries bulk both ways at once on one bidirectional call of a service connection', async () => {
    // With more in flight both ways than the socket buffers hold, Node's HTTP/2 peers would wait on each other for ever.
    const service = connectService(address);
    const chunk = Buffer.alloc(256 * 1024, 1);
    async function* input() {
      for (let i = 0; i < 64; i++) yield { request: { case: 'stdin' as const, value: chunk } };
    }
    let echoed = 0;
    try {
      for await (const res of createClient(containerV1.ContainerService, service).startExec(input())) {
        if (res.response.case === 'output') echoed += res.response.value.data.length;
      }
    } finally {
      service.close();
    }
    expect(echoed).toBe(64 * chunk.length);
  });

  it('ends a bidirectional call when the server ends it, though the client never stopped sending', async () => {
    async function* stdin() {
      for (const text of ['hello', 'exit']) yield { request: { case: 'stdin' as const, value: Buffer.from(text) } };
      await new Promise(() => undefined);
    }
    const echoed: string[] = [];
    for await (const res of containerClient.startExec(stdin())) if (res.response.case === 'output') echoed.push(Buffer.from(res.response.value.data).toString());
    expect(echoed).toEqual(['hello']);
  });

  it('streams a client-streaming request in order', async () => {
    async function* input() {
      yield { request: { case: 'options' as const, value: { reference: 'x' } } };
      for (const part of ['a', 'b', 'c']) yield { request: { case: 'chunk' as const, value: Buffer.from(part) } };
    }
    expect(await imageClient.importImage(input())).toMatchObject({ imageId: 'sha256:imported' });
    expect(seen.chunks).toEqual(['a', 'b', 'c']);
  });

  it('lets the server see a cancelled stream, and the client stop quietly', async () => {
    const controller = new AbortController();
    const received: string[] = [];
    for await (const res of containerClient.waitContainer({ id: 'x' }, { signal: controller.signal })) {
      received.push(res.result.case ?? '');
      controller.abort();
    }
    expect(received).toEqual(['registered']);
    for (let i = 0; i < 50 && !seen.cancelled; i++) await new Promise((r) => setTimeout(r, 10));
    expect(seen.cancelled).toBe(true);
  });

  it('fails a call that outlives its deadline as unavailable', async () => {
    await expect(containerClient.createContainer({ name: 'slow' }, { timeoutMs: 50 })).rejects.toMatchObject({ kind: 'unavailable', message: 'Deadline exceeded' });
  });

  it('gives a slow reader every message of a server stream, in order', async () => {
    const firstBytes: number[] = [];
    for await (const res of containerClient.readContainerArchive({ id: 'x', path: '/' })) {
      if (res.part.case !== 'data') continue;
      firstBytes.push(res.part.value[0]);
      if (firstBytes.length % 20 === 0) await new Promise((r) => setTimeout(r, 10));
    }
    expect(firstBytes).toEqual(Array.from({ length: 200 }, (_, i) => i % 256));
  });

  it('answers unavailable while nothing listens, and connects once a server does', async () => {
    const later = `unix://${join(dir, 'later.sock')}`;
    const channel = connectChannel(later);
    const client = createClient(containerV1.ContainerService, channel);
    await expect(client.createContainer({ name: 'web' })).rejects.toMatchObject({ kind: 'unavailable' });
    const laterServer = new grpc.Server();
    const { definition, implementation } = serviceRegistration(containerV1.ContainerService, containers, silent);
    laterServer.addService(definition, implementation);
    await new Promise<void>((resolve, reject) => laterServer.bindAsync(later, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
    try {
      expect(await client.createContainer({ name: 'web' })).toMatchObject({ id: 'id-of-web' });
    } finally {
      channel.close();
      laterServer.forceShutdown();
    }
  });

  it('reaches a server by host and port, as services on other hosts are addressed', async () => {
    const tcpServer = new grpc.Server();
    const { definition, implementation } = serviceRegistration(containerV1.ContainerService, containers, silent);
    tcpServer.addService(definition, implementation);
    const port = await new Promise<number>((resolve, reject) => tcpServer.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))));
    const channel = connectChannel(`127.0.0.1:${port}`);
    try {
      expect(await createClient(containerV1.ContainerService, channel).createContainer({ name: 'web' })).toMatchObject({ id: 'id-of-web' });
    } finally {
      channel.close();
      tcpServer.forceShutdown();
    }
  });

  it('maps statuses without a kind (containerd’s) by their code', () => {
    const status = (code: grpc.status) => Object.assign(new Error('x'), { code, details: 'x', metadata: new grpc.Metadata() });
    expect(fromServiceError(status(grpc.status.ALREADY_EXISTS)).kind).toBe('conflict');
    expect(fromServiceError(status(grpc.status.FAILED_PRECONDITION)).kind).toBe('invalid');
    expect(fromServiceError(status(grpc.status.UNAVAILABLE)).kind).toBe('unavailable');
    expect(fromServiceError(status(grpc.status.UNKNOWN)).kind).toBe('internal');
  });
});
