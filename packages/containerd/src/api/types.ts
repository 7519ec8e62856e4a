export * from '../gen/github.com/containerd/containerd/api/types/descriptor_pb.js';
export * from '../gen/github.com/containerd/containerd/api/types/mount_pb.js';
export * from '../gen/github.com/containerd/containerd/api/types/platform_pb.js';
export * from '../gen/github.com/containerd/containerd/api/types/metrics_pb.js';
