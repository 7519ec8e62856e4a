import { connectChannel, createClient, EngineError, type Http2Channel, type ServiceClient } from '@flotilla/proto';
import * as api from './api.js';

/** containerd reads the namespace of every call from this header; calls without it fail. */
export const namespaceMetadataKey = 'containerd-namespace';
/** Resources created by a call carrying this header belong to the lease, out of the GC's reach. */
export const leaseMetadataKey = 'containerd-lease';

/** Typed clients of containerd's services, all bound to one namespace (and optionally a lease). */
export interface ContainerdServices {
  readonly namespace: string;
  /** The lease every call is made under, if any. */
  readonly leaseId: string | undefined;
  readonly containers: ServiceClient<typeof api.containers.Containers>;
  readonly tasks: ServiceClient<typeof api.tasks.Tasks>;
  readonly content: ServiceClient<typeof api.content.Content>;
  readonly images: ServiceClient<typeof api.images.Images>;
  /** Every request names its snapshotter (`overlayfs`, ...). */
  readonly snapshots: ServiceClient<typeof api.snapshots.Snapshots>;
  readonly diff: ServiceClient<typeof api.diff.Diff>;
  readonly leases: ServiceClient<typeof api.leases.Leases>;
  readonly events: ServiceClient<typeof api.events.Events>;
  readonly version: ServiceClient<typeof api.version.Version>;
  readonly introspection: ServiceClient<typeof api.introspection.Introspection>;
  readonly namespaces: ServiceClient<typeof api.namespaces.Namespaces>;
  /** The same services over the same channel, with every call made under `leaseId`. */
  withLease(leaseId: string): ContainerdServices;
}

export interface ContainerdClient extends ContainerdServices {
  /** Closes the channel shared by every view of this client. */
  close(): void;
}

export interface ContainerdConnectOptions {
  /** containerd's gRPC socket: a path, or a gRPC target such as `unix:///run/x.sock`. */
  readonly address: string;
  readonly namespace: string;
}

function grpcTarget(address: string): string {
  return address.startsWith('/') ? `unix://${address}` : address;
}

function bindServices(channel: Http2Channel, namespace: string, leaseId: string | undefined): ContainerdServices {
  const metadata: Record<string, string> = { [namespaceMetadataKey]: namespace };
  if (leaseId !== undefined) metadata[leaseMetadataKey] = leaseId;
  const defaults = { metadata };
  return {
    namespace,
    leaseId,
    containers: createClient(api.containers.Containers, channel, defaults),
    tasks: createClient(api.tasks.Tasks, channel, defaults),
    content: createClient(api.content.Content, channel, defaults),
    images: createClient(api.images.Images, channel, defaults),
    snapshots: createClient(api.snapshots.Snapshots, channel, defaults),
    diff: createClient(api.diff.Diff, channel, defaults),
    leases: createClient(api.leases.Leases, channel, defaults),
    events: createClient(api.events.Events, channel, defaults),
    version: createClient(api.version.Version, channel, defaults),
    introspection: createClient(api.introspection.Introspection, channel, defaults),
    namespaces: createClient(api.namespaces.Namespaces, channel, defaults),
    withLease: (id) => bindServices(channel, namespace, id),
  };
}

/**
 * containerd (Go) keeps reading while it writes, so a window wider than the socket buffers cannot
 * wedge the connection, and it saves round trips on content reads of hundreds of MB.
 */
const contentFlowControlWindow = 8 * 1024 * 1024;

/**
 * Opens one channel to containerd for the whole process. Connecting is lazy: a containerd that is
 * down makes calls fail with `unavailable`, and the next call connects again.
 */
export function connectContainerd(options: ContainerdConnectOptions): ContainerdClient {
  if (options.namespace === '') throw EngineError.invalid('a containerd namespace is required');
  const channel = connectChannel(grpcTarget(options.address), contentFlowControlWindow);
  return { ...bindServices(channel, options.namespace, undefined), close: () => channel.close() };
}
