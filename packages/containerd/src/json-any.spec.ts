import { packJsonAny, unpackJsonAny } from './json-any.js';
import { packRuntimeSpec, runtimeSpecTypeUrl, unpackRuntimeSpec } from './runtime-spec.js';

describe('JSON in google.protobuf.Any', () => {
  it('round-trips a value under its type URL', () => {
    const any = packJsonAny('flotilla.dev/container/v1', { name: 'web', ports: [80] });
    expect(any.typeUrl).toBe('flotilla.dev/container/v1');
    expect(JSON.parse(Buffer.from(any.value).toString())).toEqual({ name: 'web', ports: [80] });
    expect(unpackJsonAny(any, 'flotilla.dev/container/v1')).toEqual({ name: 'web', ports: [80] });
  });

  it('refuses another type or a missing value', () => {
    const any = packJsonAny('a', 1);
    expect(() => unpackJsonAny(any, 'b')).toThrow(expect.objectContaining({ kind: 'invalid' }));
    expect(() => unpackJsonAny(undefined, 'b')).toThrow(expect.objectContaining({ kind: 'invalid' }));
  });

  it('packs the OCI runtime spec the way containerd stores it', () => {
    const spec = { ociVersion: '1.0.2', root: { path: 'rootfs' } };
    const any = packRuntimeSpec(spec);
    expect(any.typeUrl).toBe(runtimeSpecTypeUrl);
    expect(unpackRuntimeSpec(any)).toEqual(spec);
  });
});
