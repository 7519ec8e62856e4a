import { create } from '@bufbuild/protobuf';
import { AnySchema, type Any } from '@bufbuild/protobuf/wkt';
import { EngineError } from '@flotilla/proto';

/**
 * `google.protobuf.Any` holding JSON rather than a protobuf message: how containerd stores the
 * OCI runtime spec, and how we keep our own records in container extensions.
 */
export function packJsonAny(typeUrl: string, value: unknown): Any {
  return create(AnySchema, { typeUrl, value: Buffer.from(JSON.stringify(value), 'utf8') });
}

/** The type parameter is the caller's claim about the JSON, not checked. */
export function unpackJsonAny<T>(any: Any | undefined, typeUrl: string): T {
  if (!any) throw EngineError.invalid(`missing ${typeUrl}`);
  if (any.typeUrl !== typeUrl) throw EngineError.invalid(`expected ${typeUrl}, got ${any.typeUrl}`);
  return JSON.parse(Buffer.from(any.value).toString('utf8')) as T;
}
