import { EngineError } from '@flotilla/proto';

/**
 * What a container's NetworkMode asks for. Until bridge networks exist, the default network
 * gives a container its own namespace with only loopback, as `--network none` does.
 */
export type Attachment = { kind: 'host' } | { kind: 'isolated' };

export function attachmentFor(networkMode: string): Attachment {
  switch (networkMode) {
    case 'host':
      return { kind: 'host' };
    case '':
    case 'default':
    case 'bridge':
    case 'none':
      return { kind: 'isolated' };
    default:
      if (networkMode.startsWith('container:')) throw EngineError.notImplemented('joining another container\'s network is not implemented yet');
      throw EngineError.notFound(`network ${networkMode} not found`);
  }
}
