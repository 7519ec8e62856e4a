import { ContainerRegistry } from './container-registry';
import type { ContainerRecord } from './container-record';

function record(id: string, name: string): ContainerRecord {
  return {
    id,
    name,
    created: '2026-01-01T00:00:00Z',
    image: 'busybox',
    imageId: 'sha256:x',
    config: {},
    hostConfig: {},
    path: 'true',
    args: [],
    snapshotter: 'overlayfs',
    restartCount: 0,
    state: { status: 'created', pid: 0, exitCode: 0, error: '', oomKilled: false },
  };
}

describe('ContainerRegistry', () => {
  const registry = new ContainerRegistry();
  registry.put(record('abc123', 'web'));
  registry.put(record('abd456', 'db'));

  it('finds by id, name, slash-name and unique prefix', () => {
    expect(registry.find('abc123').name).toBe('web');
    expect(registry.find('web').id).toBe('abc123');
    expect(registry.find('/db').id).toBe('abd456');
    expect(registry.find('abd').id).toBe('abd456');
  });

  it('refuses an ambiguous prefix and reports unknown containers as not found', () => {
    expect(() => registry.find('ab')).toThrow('multiple IDs found with provided prefix: ab');
    expect(() => registry.find('nope')).toThrow(expect.objectContaining({ kind: 'not-found', message: 'No such container: nope' }));
  });

  it('refuses a name that is taken, until it is released', () => {
    expect(() => registry.reserveName('web', 'other')).toThrow(expect.objectContaining({ kind: 'conflict' }));
    registry.delete('abc123');
    expect(() => registry.reserveName('web', 'other')).not.toThrow();
  });
});
