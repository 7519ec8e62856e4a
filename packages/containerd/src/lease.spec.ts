import { create } from '@bufbuild/protobuf';
import { EmptySchema } from '@bufbuild/protobuf/wkt';
import * as api from './api.js';
import type { ContainerdServices } from './connect.js';
import { withLease } from './lease.js';

function fakeServices(leaseId?: string) {
  const calls: string[] = [];
  const created: api.leases.CreateRequest[] = [];
  const services = {
    leaseId,
    leases: {
      create: async (request: api.leases.CreateRequest) => {
        calls.push('create');
        created.push(request);
        return create(api.leases.CreateResponseSchema, { lease: { id: request.id } });
      },
      delete: async ({ id }: { id: string }) => {
        calls.push(`delete ${id}`);
        return create(EmptySchema);
      },
    },
    withLease: (id: string) => ({ ...services, leaseId: id }),
  } as unknown as ContainerdServices;
  return { services, calls, created };
}

describe('withLease', () => {
  it('runs the work under a new lease with an expiry label, then deletes the lease', async () => {
    const { services, calls, created } = fakeServices();
    const before = Date.now();

    const seen = await withLease(services, async (leased) => leased.leaseId, { expireAfterMs: 60_000 });

    expect(seen).toBe(created[0].id);
    expect(calls).toEqual(['create', `delete ${seen}`]);
    const expiry = Date.parse(created[0].labels['containerd.io/gc.expire']);
    expect(expiry).toBeGreaterThanOrEqual(before + 59_000);
    expect(expiry).toBeLessThanOrEqual(Date.now() + 60_000);
    expect(created[0].labels['containerd.io/gc.expire']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('deletes the lease when the work fails, and reports the work error', async () => {
    const { services, calls } = fakeServices();
    await expect(withLease(services, async () => Promise.reject(new Error('unpack failed')))).rejects.toThrow('unpack failed');
    expect(calls).toHaveLength(2);
  });

  it('joins the lease the services already carry', async () => {
    const { services, calls } = fakeServices('outer');
    expect(await withLease(services, async (leased) => leased.leaseId)).toBe('outer');
    expect(calls).toEqual([]);
  });
});
