export * from './engine-error.js';
export * from './request-context.js';
export * from './grpc.js';
export * as containerV1 from './gen/engine/container/v1/container_service_pb.js';
export * as imageV1 from './gen/engine/image/v1/image_service_pb.js';
export * as networkV1 from './gen/engine/network/v1/network_service_pb.js';
export * as buildV1 from './gen/engine/build/v1/build_service_pb.js';
export * as volumeV1 from './gen/engine/volume/v1/volume_service_pb.js';
export * as eventsV1 from './gen/engine/events/v1/event_pb.js';
