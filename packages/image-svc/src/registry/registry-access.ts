import type { ImageReference } from '../core/reference.js';
import { HttpRegistryRepository, type RegistryCredentials, type RegistryRepository } from './registry-client.js';
import { registryEndpoints, type RegistryConfig } from './registry-hosts.js';

/** Hands out clients for a repository on each endpoint that serves it, as configured. */
export class RegistryAccess {
  constructor(private readonly config: RegistryConfig) {}

  /** Mirrors first for pulls; only the registry itself for pushes. */
  repositories(ref: Pick<ImageReference, 'domain' | 'path'>, purpose: 'pull' | 'push', credentials: RegistryCredentials): RegistryRepository[] {
    const actions = purpose === 'pull' ? 'pull' : 'pull,push';
    return registryEndpoints(ref.domain, this.config, purpose).map((endpoint) => new HttpRegistryRepository(endpoint.url, ref.path, actions, credentials));
  }

  /** The registry itself, for checking credentials (`docker login`). */
  registry(domain: string, credentials: RegistryCredentials): RegistryRepository {
    return this.repositories({ domain, path: '' }, 'push', credentials)[0];
  }
}
