import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineError } from '@flotilla/proto';
import type { ContainerdServices } from '@flotilla/containerd';
import { SharedShims } from './shared-shims';

/** containerd's containers and tasks, as far as keepers use them. */
function fakeContainerd(existing: string[] = []) {
  const containers = new Map<string, { labels: Record<string, string>; spec: { value: Uint8Array } }>(
    existing.map((id) => [id, { labels: { 'flotilla.shim-keeper': 'true' }, spec: { value: new Uint8Array() } }]),
  );
  const tasks = new Set<string>(existing);
  const missing = (id: string) => new EngineError('not-found', `${id} not found`);
  const services = {
    containers: {
      create: async ({ container }: { container: { id: string; labels: Record<string, string>; spec: { value: Uint8Array } } }) => {
        containers.set(container.id, container);
        return {};
      },
      list: async () => ({ containers: [...containers.entries()].filter(([, c]) => c.labels['flotilla.shim-keeper']).map(([id]) => ({ id })) }),
      delete: async ({ id }: { id: string }) => {
        if (!containers.delete(id)) throw missing(id);
        return {};
      },
    },
    tasks: {
      create: async ({ containerId }: { containerId: string }) => {
        tasks.add(containerId);
        return { pid: 42 };
      },
      kill: async ({ containerId }: { containerId: string }) => {
        if (!tasks.has(containerId)) throw missing(containerId);
        return {};
      },
      wait: async () => ({}),
      delete: async ({ containerId }: { containerId: string }) => {
        if (!tasks.delete(containerId)) throw missing(containerId);
        return {};
      },
    },
  };
  return { services: services as unknown as ContainerdServices, containers, tasks };
}

describe('SharedShims', () => {
  let rootfsDir: string;
  beforeEach(() => {
    rootfsDir = join(mkdtempSync(join(tmpdir(), 'shims-')), 'rootfs');
  });
  afterEach(() => rmSync(rootfsDir, { recursive: true, force: true }));

  const keepersOf = (containerd: ReturnType<typeof fakeContainerd>) => [...containerd.containers.keys()].filter((id) => id.startsWith('shim-keeper-'));
  /** Polls until `check` holds (keepers are made in the background, with real file I/O). */
  const until = async (check: () => boolean) => {
    for (let waited = 0; !check(); waited += 5) {
      if (waited > 5000) throw new Error('never came true');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  const shimsOn = (containerd: ReturnType<typeof fakeContainerd>, retireDelayMs?: number) =>
    new SharedShims(containerd.services, { runtime: { name: 'io.containerd.runc.v2', options: undefined as never }, rootfsDir, cgroupParent: '/flotilla', retireDelayMs, warn: () => undefined });

  /** Started, with its first keeper made: the containerd, the shims and that keeper. */
  const startedWithKeeper = async (retireDelayMs: number) => {
    const containerd = fakeContainerd();
    const shims = shimsOn(containerd, retireDelayMs);
    shims.start();
    await until(() => keepersOf(containerd).length === 1);
    const [first] = keepersOf(containerd);
    return { containerd, shims, first };
  };

  it('gives new containers a keeper\'s group once its task is created, never started', async () => {
    const containerd = fakeContainerd();
    const shims = shimsOn(containerd);
    expect(shims.join()).toBeUndefined();
    shims.start();
    await until(() => shims.join() !== undefined);
    shims.leave(keepersOf(containerd)[0]);
    const [keeper] = keepersOf(containerd);
    expect(containerd.tasks.has(keeper)).toBe(true);
    expect(shims.join()).toBe(keeper);
    expect(shims.join()).toBe(keeper);
    // runc checks that the process's file exists at create: an empty one, executable.
    expect(statSync(join(rootfsDir, 'keeper')).mode & 0o111).not.toBe(0);
    expect(statSync(join(rootfsDir, 'proc')).isDirectory()).toBe(true);
  });

  it('moves on to a new keeper while eight containers are in one shim, and lets containers that are gone free their places', async () => {
    const { containerd, shims, first } = await startedWithKeeper(60_000);
    const joined = Array.from({ length: 7 }, () => shims.join());
    expect(joined).toEqual(Array(7).fill(first));
    shims.leave(first);
    expect(shims.join()).toBe(first);
    // The eighth: the next containers go to another keeper.
    expect(shims.join()).toBe(first);
    await until(() => keepersOf(containerd).length === 2);
    const second = keepersOf(containerd).find((id) => id !== first);
    expect(shims.join()).toBe(second);
    // The full keeper is not retired at once: its last containers may still be starting in its shim.
    expect(containerd.tasks.has(first)).toBe(true);
    await shims.close();
    expect(keepersOf(containerd)).toEqual([]);
  });

  it('retires a full keeper after the delay', async () => {
    const { containerd, shims, first } = await startedWithKeeper(1);
    for (let i = 0; i < 8; i++) shims.join();
    await until(() => !containerd.containers.has(first));
    expect(containerd.tasks.has(first)).toBe(false);
  });

  it('waits at close for a retirement under way', async () => {
    const { containerd, shims, first } = await startedWithKeeper(1);
    let killed!: () => void;
    const kill = containerd.services.tasks.kill.bind(containerd.services.tasks);
    containerd.services.tasks.kill = (async (request: { containerId: string }) => {
      if (request.containerId === first) await new Promise<void>((resolve) => (killed = resolve));
      return kill(request as never);
    }) as never;
    for (let i = 0; i < 8; i++) shims.join();
    await until(() => killed !== undefined);
    let closed = false;
    const closing = shims.close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(closed).toBe(false);
    killed();
    await closing;
    expect(containerd.containers.has(first)).toBe(false);
    expect(containerd.tasks.has(first)).toBe(false);
  });

  it('retires the keepers an earlier run left, and its own at close', async () => {
    const containerd = fakeContainerd(['shim-keeper-left']);
    const shims = shimsOn(containerd);
    shims.start();
    await until(() => keepersOf(containerd).length === 1 && !containerd.containers.has('shim-keeper-left'));
    const keepers = keepersOf(containerd);
    expect(keepers).toHaveLength(1);
    expect(keepers).not.toContain('shim-keeper-left');
    await shims.close();
    expect(keepersOf(containerd)).toEqual([]);
    expect(containerd.tasks.size).toBe(0);
    expect(shims.join()).toBeUndefined();
  });
});
