import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContainerFiles } from '../core/oci-spec.js';
import type { ContainerFilesStore } from '../core/ports.js';

const isolatedHosts = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'ff00::0\tip6-mcastprefix',
  'ff02::1\tip6-allnodes',
  'ff02::2\tip6-allrouters',
  '',
].join('\n');

/**
 * The host's resolv.conf without loopback name servers (unreachable from the container's own
 * network namespace), falling back to public resolvers as dockerd does.
 */
export function containerResolvConf(host: string): string {
  const lines = host.split('\n').filter((line) => line.trim() !== '' && !/^\s*nameserver\s+(127\.|::1\b)/.test(line));
  if (!lines.some((line) => /^\s*nameserver\s/.test(line))) {
    lines.push('nameserver 8.8.8.8', 'nameserver 8.8.4.4');
  }
  return lines.join('\n').replace(/\n*$/, '\n');
}

/** Files bind-mounted over /etc/hostname, /etc/hosts and /etc/resolv.conf, one directory per container. */
export class ContainerFilesDir implements ContainerFilesStore {
  constructor(private readonly dir: string) {}

  paths(id: string): ContainerFiles {
    const base = join(this.dir, id);
    return { hostname: join(base, 'hostname'), hosts: join(base, 'hosts'), resolvConf: join(base, 'resolv.conf') };
  }

  async write(id: string, hostname: string, hostNetwork: boolean): Promise<ContainerFiles> {
    const paths = this.paths(id);
    await mkdir(join(this.dir, id), { recursive: true });
    const hostResolv = await readFile('/etc/resolv.conf', 'utf8').catch(() => '');
    await Promise.all([
      writeFile(paths.hostname, `${hostname}\n`),
      hostNetwork ? copyFile('/etc/hosts', paths.hosts) : writeFile(paths.hosts, isolatedHosts),
      writeFile(paths.resolvConf, hostNetwork ? hostResolv : containerResolvConf(hostResolv)),
    ]);
    return paths;
  }

  async remove(id: string): Promise<void> {
    await rm(join(this.dir, id), { recursive: true, force: true });
  }
}
