import { create, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { AnySchema, type Any } from '@bufbuild/protobuf/wkt';
import * as api from './api.js';

/** containerd's own runtime shim for runc, the only runtime the engine uses. */
export const runcRuntimeName = 'io.containerd.runc.v2';

/** containerd resolves runtime options by bare message name, without a URL prefix. */
const runcOptionsTypeUrl = api.runcOptions.OptionsSchema.typeName;

/**
 * Options for `Container.runtime.options`. Set `root` (runc's state directory, default
 * /run/containerd/runc) to keep one engine's runc state apart from every other containerd's.
 */
export function packRuncOptions(options: MessageInitShape<typeof api.runcOptions.OptionsSchema>): Any {
  const value = toBinary(api.runcOptions.OptionsSchema, create(api.runcOptions.OptionsSchema, options));
  return create(AnySchema, { typeUrl: runcOptionsTypeUrl, value });
}
