import { randomBytes } from 'node:crypto';
import type { ContainerdServices } from './connect.js';

/** containerd's GC deletes the lease itself after this time, should its owner never do it. */
const expireLabel = 'containerd.io/gc.expire';
const defaultExpireAfterMs = 24 * 60 * 60 * 1000;

export interface LeaseOptions {
  /** How long the lease may outlive a crashed owner. Default: 24 hours, as containerd's client. */
  readonly expireAfterMs?: number;
  readonly labels?: Readonly<Record<string, string>>;
}

/** RFC 3339 without fractional seconds, the form containerd's own client writes. */
function expiryTimestamp(expireAfterMs: number): string {
  return new Date(Date.now() + expireAfterMs).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** A lease of its own: services whose calls carry it, and the release that deletes it. */
export async function createLease(services: ContainerdServices, options: LeaseOptions = {}): Promise<{ leased: ContainerdServices; release: () => Promise<void> }> {
  const { lease } = await services.leases.create({
    id: `flotilla-${randomBytes(8).toString('hex')}`,
    labels: { ...options.labels, [expireLabel]: expiryTimestamp(options.expireAfterMs ?? defaultExpireAfterMs) },
  });
  if (!lease) throw new Error('containerd created a lease without returning it');
  return {
    leased: services.withLease(lease.id),
    // A lease that could not be deleted only delays GC until it expires: not worth failing for.
    release: () => services.leases.delete({ id: lease.id }).then(() => undefined, () => undefined),
  };
}

/**
 * Runs `work` with services whose calls all carry a lease, so that fresh content and snapshots
 * survive the GC until a record (image, container) references them. If `services` already has a
 * lease, `work` joins it; otherwise a new lease is created and deleted when `work` settles.
 */
export async function withLease<T>(
  services: ContainerdServices,
  work: (leased: ContainerdServices) => Promise<T>,
  options: LeaseOptions = {},
): Promise<T> {
  if (services.leaseId !== undefined) return work(services);
  const { leased, release } = await createLease(services, options);
  try {
    return await work(leased);
  } finally {
    await release();
  }
}
