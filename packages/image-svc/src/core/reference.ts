import { EngineError } from '@flotilla/proto';

/**
 * Docker's image reference rules: `busybox` is `docker.io/library/busybox:latest`, a first
 * component with a dot, a colon or `localhost` is a registry, names are lower case.
 */
export interface ImageReference {
  /** Registry host, e.g. `docker.io` or `127.0.0.1:5000`. */
  domain: string;
  /** Repository path, e.g. `library/busybox`. */
  path: string;
  tag?: string;
  digest?: string;
}

export const defaultDomain = 'docker.io';
const officialPrefix = 'library/';

const pathComponent = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const tagPattern = /^[\w][\w.-]{0,127}$/;
const digestPattern = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const domainPattern = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$/;

function invalid(ref: string, why: string): EngineError {
  return EngineError.invalid(`invalid reference format: ${why}: "${ref}"`);
}

export function parseReference(input: string): ImageReference {
  if (input === '') throw invalid(input, 'empty reference');
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!digestPattern.test(digest)) throw invalid(input, 'invalid digest');
  }
  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > rest.lastIndexOf('/')) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!tagPattern.test(tag)) throw invalid(input, 'invalid tag');
  }
  let domain = defaultDomain;
  let path = rest;
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  if (slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase())) {
    domain = first;
    path = rest.slice(slash + 1);
    if (!domainPattern.test(domain)) throw invalid(input, 'invalid registry');
  }
  if (path !== path.toLowerCase()) throw invalid(input, 'repository name must be lowercase');
  if (path === '' || !path.split('/').every((c) => pathComponent.test(c))) throw invalid(input, 'invalid repository name');
  if (domain === defaultDomain && !path.includes('/')) path = officialPrefix + path;
  if (domain.length + path.length + 1 > 255) throw invalid(input, 'repository name too long');
  return { domain, path, tag: tag ?? (digest ? undefined : 'latest'), digest };
}

/** `docker.io/library/busybox:latest`: the name image records are stored under. */
export function canonicalName(ref: ImageReference): string {
  return `${ref.domain}/${ref.path}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** `busybox`: how Docker shows a repository. */
export function familiarRepository(ref: Pick<ImageReference, 'domain' | 'path'>): string {
  if (ref.domain !== defaultDomain) return `${ref.domain}/${ref.path}`;
  return ref.path.startsWith(officialPrefix) ? ref.path.slice(officialPrefix.length) : ref.path;
}

/** `busybox:latest` or `busybox@sha256:…`. */
export function familiarName(ref: ImageReference): string {
  return `${familiarRepository(ref)}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}
