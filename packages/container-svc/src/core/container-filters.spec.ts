import type { ContainerRecord } from './container-record';
import { containerFilter, pruneFilter } from './container-filters';

function record(name: string, created: string, fields: Partial<ContainerRecord> = {}): ContainerRecord {
  return {
    id: `${name}0123456789abcdef`,
    name,
    created,
    image: 'busybox',
    imageId: 'sha256:busybox',
    config: { Labels: { tier: 'web' }, ExposedPorts: { '80/tcp': {} } },
    hostConfig: { NetworkMode: 'default' },
    path: 'sh',
    args: [],
    snapshotter: 'overlayfs',
    restartCount: 0,
    state: { status: 'running', pid: 1, exitCode: 0, error: '', oomKilled: false },
    ...fields,
  };
}

const web = record('web', '2026-01-01T00:00:01.000000000Z');
const db = record('db', '2026-01-01T00:00:02.000000000Z', { config: { Labels: { tier: 'data' } }, image: 'postgres', imageId: 'sha256:pg' });
const done = record('done', '2026-01-01T00:00:03.000000000Z', { state: { status: 'exited', pid: 0, exitCode: 3, error: '', oomKilled: false } });
const all = [web, db, done];
const context = {
  find: (ref: string) => all.find((r) => r.name === ref)!,
  imageIdOf: async (ref: string) => (ref === 'busybox:latest' ? 'sha256:busybox' : undefined),
};
const names = async (filters: Record<string, string[]>) => all.filter(await containerFilter(filters, context)).map((r) => r.name);

describe('containerFilter', () => {
  it('matches status, labels, names and exit codes', async () => {
    expect(await names({ status: ['exited'] })).toEqual(['done']);
    expect(await names({ label: ['tier=web'] })).toEqual(['web', 'done']);
    expect(await names({ label: ['tier'] })).toEqual(['web', 'db', 'done']);
    expect(await names({ name: ['^/d'] })).toEqual(['db', 'done']);
    expect(await names({ exited: ['3'] })).toEqual(['done']);
  });

  it('orders by creation for before and since', async () => {
    expect(await names({ before: ['done'] })).toEqual(['web', 'db']);
    expect(await names({ since: ['web'], status: ['running'] })).toEqual(['db']);
  });

  it('matches the image by reference or ID, and exposed ports', async () => {
    expect(await names({ ancestor: ['busybox:latest'] })).toEqual(['web', 'done']);
    expect(await names({ expose: ['80'] })).toEqual(['web', 'done']);
    expect(await names({ expose: ['70-90/tcp'] })).toEqual(['web', 'done']);
    expect(await names({ expose: ['80/udp'] })).toEqual([]);
  });

  it('refuses what dockerd refuses', async () => {
    await expect(containerFilter({ bogus: ['x'] }, context)).rejects.toThrow("Invalid filter 'bogus'");
    await expect(containerFilter({ status: ['sleepy'] }, context)).rejects.toThrow("Invalid filter 'status=sleepy'");
    await expect(containerFilter({ health: ['meh'] }, context)).rejects.toThrow('Unrecognised filter value for health: meh');
  });
});

describe('pruneFilter', () => {
  const now = new Date('2026-01-01T00:00:04Z');

  it('keeps what is newer than until and selects by label', () => {
    expect(all.filter(pruneFilter({ until: ['1s'] }, now)).map((r) => r.name)).toEqual(['web', 'db']);
    expect(all.filter(pruneFilter({ 'label!': ['tier=web'] }, now)).map((r) => r.name)).toEqual(['db']);
  });

  it('refuses other keys', () => {
    expect(() => pruneFilter({ status: ['exited'] }, now)).toThrow("Invalid filter 'status'");
  });
});
