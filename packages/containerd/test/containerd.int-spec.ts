/**
 * End to end against a real containerd that the test starts itself (root required):
 * layer blob → overlayfs snapshot → container → task with FIFO stdio → exit → cleanup, plus
 * the event stream. Run with `npx nx run containerd:test-integration`.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, createReadStream, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { isMessage } from '@bufbuild/protobuf';
import {
  api,
  connectContainerd,
  FifoStock,
  ignoreNotFound,
  packRuncOptions,
  packRuntimeSpec,
  prepareTaskIo,
  readBlobJson,
  runcRuntimeName,
  subscribeEvents,
  unpackLayers,
  withLease,
  writeBlob,
  type ContainerdClient,
  type ContainerdEvent,
  type RuntimeSpec,
} from '../src/index.js';
import { ManagedContainerd } from './managed-containerd.js';

jest.setTimeout(120_000);

const testDir = process.env.CONTAINERD_TEST_DIR ?? '/tmp/cdtest';
const namespace = 'flotilla-test';
const cgroupParent = 'flotilla-test';
const snapshotter = 'overlayfs';
const layerMediaType = 'application/vnd.oci.image.layer.v1.tar';
const runs = 10;

function busyboxSpec(containerId: string, args: string[]): RuntimeSpec {
  const capabilities = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID'];
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args,
      env: ['PATH=/bin'],
      cwd: '/',
      capabilities: { bounding: capabilities, effective: capabilities, permitted: capabilities },
      noNewPrivileges: true,
    },
    root: { path: 'rootfs' },
    hostname: containerId,
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    ],
    linux: {
      namespaces: [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'network' }],
      cgroupsPath: `/${cgroupParent}/${containerId}`,
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      maskedPaths: ['/proc/kcore', '/proc/keys', '/sys/firmware'],
      readonlyPaths: ['/proc/sys', '/proc/sysrq-trigger'],
    },
  };
}

async function readText(stream: Readable): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk;
  return text;
}

function msSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const describeAsRoot = process.getuid?.() === 0 ? describe : describe.skip;

describeAsRoot('containerd client against a real containerd', () => {
  const daemon = new ManagedContainerd(testDir);
  let client: ContainerdClient;
  let scratch: string;
  let fifos: FifoStock;

  beforeAll(async () => {
    await daemon.start();
    client = connectContainerd({ address: daemon.address, namespace });
    scratch = mkdtempSync(join(tmpdir(), 'cd-int-'));
    fifos = new FifoStock(join(scratch, 'fifo-stock'));
  });

  afterAll(async () => {
    // Leave no task (and so no shim) behind, even after a failure.
    const { tasks } = await client.tasks.list({}).catch(() => ({ tasks: [] }));
    for (const task of tasks) {
      await client.tasks.kill({ containerId: task.id, signal: 9 }).catch(() => undefined);
      await client.tasks.delete({ containerId: task.id }).catch(() => undefined);
    }
    client?.close();
    await daemon.stop(cgroupParent);
    rmSync(scratch, { recursive: true, force: true });
  });

  /** A one-layer image: a tar holding /bin/busybox. */
  function busyboxLayerTar(): string {
    const stage = join(scratch, 'stage');
    mkdirSync(join(stage, 'bin'), { recursive: true });
    copyFileSync('/bin/busybox', join(stage, 'bin/busybox'));
    const tar = join(scratch, 'layer.tar');
    execFileSync('tar', ['--owner=0', '--group=0', '-C', stage, '-cf', tar, 'bin']);
    return tar;
  }

  /** Holds the ingest for a while after its first chunk, so that a second writer finds the ref locked. */
  async function* pausingAfterFirstChunk(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    let first = true;
    for await (const chunk of source) {
      yield chunk;
      if (first) await sleep(300);
      first = false;
    }
  }

  it('runs busybox echo from a freshly unpacked layer, with FIFO output and events', async () => {
    const events: ContainerdEvent[] = [];
    const stopEvents = new AbortController();
    const collecting = (async () => {
      for await (const event of subscribeEvents(client, { filters: ['topic~="^/tasks/"'], signal: stopEvents.signal })) {
        events.push(event);
      }
    })();

    const tar = busyboxLayerTar();
    // Two writers of a new blob on one ref: the second waits for the first one's lock, then
    // finds the blob committed.
    const first = writeBlob(client.content, pausingAfterFirstChunk(createReadStream(tar)), { ref: 'test-layer' });
    await sleep(50);
    const second = writeBlob(client.content, createReadStream(tar), { ref: 'test-layer' });
    const [written, writtenBySecond] = await Promise.all([first, second]);
    expect(written.size).toBe(statSync(tar).size);
    expect(writtenBySecond).toEqual(written);
    const layer = { mediaType: layerMediaType, digest: written.digest, size: BigInt(written.size) };

    // Announcing a digest that exists ends the write before any data is sent.
    const again = await writeBlob(client.content, createReadStream(tar), { ref: 'test-layer', expectedDigest: written.digest });
    expect(again).toEqual(written);

    const config = { rootfs: { type: 'layers', diff_ids: [written.digest] } };
    const configBlob = await writeBlob(client.content, Buffer.from(JSON.stringify(config)), { ref: 'test-config' });
    expect(await readBlobJson(client.content, configBlob.digest)).toEqual(config);

    const timings = { create: [] as number[], start: [] as number[], wait: [] as number[], delete: [] as number[], total: [] as number[] };
    await withLease(client, async (leased) => {
      // An uncompressed layer's diff ID is its digest, and the chain ID of a one-layer stack is that diff ID.
      const top = await unpackLayers(leased, [{ descriptor: layer, diffId: written.digest }], snapshotter);
      expect(top).toBe(written.digest);
      const unpackedAgain = await unpackLayers(leased, [{ descriptor: layer, diffId: written.digest }], snapshotter);
      expect(unpackedAgain).toBe(top);

      for (let run = 0; run < runs; run++) {
        const containerId = `echo-${run}`;
        const { mounts } = await leased.snapshots.prepare({ snapshotter, key: containerId, parent: top });
        await leased.containers.create({
          container: {
            id: containerId,
            runtime: { name: runcRuntimeName, options: packRuncOptions({ root: daemon.runcRoot }) },
            spec: packRuntimeSpec(busyboxSpec(containerId, ['/bin/busybox', 'echo', 'hello'])),
            snapshotter,
            snapshotKey: containerId,
          },
        });

        const io = await prepareTaskIo({ directory: join(scratch, 'fifo', containerId) }, fifos);
        try {
          const started = process.hrtime.bigint();
          await client.tasks.create({ containerId, rootfs: mounts, stdout: io.paths.stdout, stderr: io.paths.stderr });
          timings.create.push(msSince(started));
          const streams = await io.attach();
          const output = Promise.all([readText(streams.stdout), readText(streams.stderr!)]);
          // Wait before Start, so that even an instant exit is seen.
          const exited = client.tasks.wait({ containerId });
          let mark = process.hrtime.bigint();
          await client.tasks.start({ containerId });
          timings.start.push(msSince(mark));
          mark = process.hrtime.bigint();
          const { exitStatus } = await exited;
          timings.wait.push(msSince(mark));
          mark = process.hrtime.bigint();
          await client.tasks.delete({ containerId });
          timings.delete.push(msSince(mark));
          timings.total.push(msSince(started));

          expect(exitStatus).toBe(0);
          expect(await output).toEqual(['hello\n', '']);
        } finally {
          await io.dispose();
        }

        // Snapshot first: removing the container first lets the GC take the snapshot.
        await ignoreNotFound(client.snapshots.remove({ snapshotter, key: containerId }));
        await ignoreNotFound(client.containers.delete({ id: containerId }));
      }
    });

    await ignoreNotFound(client.snapshots.remove({ snapshotter, key: written.digest }));
    expect((await client.containers.list({})).containers).toEqual([]);

    stopEvents.abort();
    await collecting; // ends quietly: the CANCELLED that follows our own abort is swallowed

    const exits = events.filter((event) => event.topic === '/tasks/exit');
    expect(exits).toHaveLength(runs);
    const exit = exits[0].payload;
    expect(isMessage(exit, api.eventTypes.TaskExitSchema) && exit.containerId).toBe('echo-0');
    expect(isMessage(exit, api.eventTypes.TaskExitSchema) && exit.exitStatus).toBe(0);
    expect(new Set(events.map((event) => event.topic))).toEqual(
      new Set(['/tasks/create', '/tasks/start', '/tasks/exit', '/tasks/delete']),
    );
    expect(events.every((event) => event.namespace === namespace)).toBe(true);

    const report = Object.fromEntries(
      Object.entries(timings).map(([phase, ms]) => [phase, { first: +ms[0].toFixed(1), median: +median(ms.slice(1)).toFixed(1) }]),
    );
    console.log(`create+start+wait+delete of busybox echo over ${runs} runs (ms):\n${JSON.stringify(report, null, 2)}`);
  });
});
