/**
 * containerd's generated API, one namespace per proto package, so that callers never reach into
 * src/gen. Names follow the aliases containerd's own Go code uses (eventstypes, tasktypes).
 */
export * as containers from './gen/github.com/containerd/containerd/api/services/containers/v1/containers_pb.js';
export * as content from './gen/github.com/containerd/containerd/api/services/content/v1/content_pb.js';
export * as diff from './gen/github.com/containerd/containerd/api/services/diff/v1/diff_pb.js';
export * as events from './gen/github.com/containerd/containerd/api/services/events/v1/events_pb.js';
export * as images from './gen/github.com/containerd/containerd/api/services/images/v1/images_pb.js';
export * as introspection from './gen/github.com/containerd/containerd/api/services/introspection/v1/introspection_pb.js';
export * as leases from './gen/github.com/containerd/containerd/api/services/leases/v1/leases_pb.js';
export * as namespaces from './gen/github.com/containerd/containerd/api/services/namespaces/v1/namespace_pb.js';
export * as snapshots from './gen/github.com/containerd/containerd/api/services/snapshots/v1/snapshots_pb.js';
export * as tasks from './gen/github.com/containerd/containerd/api/services/tasks/v1/tasks_pb.js';
export * as version from './gen/github.com/containerd/containerd/api/services/version/v1/version_pb.js';
/** containerd.types: Descriptor, Mount, Platform, Metric. */
export * as types from './api/types.js';
/** containerd.v1.types: Process, Status of a task. */
export * as taskTypes from './gen/github.com/containerd/containerd/api/types/task/task_pb.js';
/** containerd.runc.v1: options of the io.containerd.runc.v2 runtime (Container.runtime.options). */
export * as runcOptions from './gen/github.com/containerd/containerd/runtime/v2/runc/options/oci_pb.js';
/** containerd.events: the payloads of Events.Subscribe envelopes (TaskExit, ContainerCreate, ...). */
export * as eventTypes from './api/event-types.js';
