import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContainerFiles } from '../core/oci-spec.js';
import type { ContainerFileSettings, ContainerFilesStore, DnsSettings } from '../core/ports.js';

const isolatedHosts = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'ff00::0\tip6-mcastprefix',
  'ff02::1\tip6-allnodes',
  'ff02::2\tip6-allrouters',
  '',
].join('\n');

/** `--add-host name:ip` (or `name=ip`) as a hosts line; an IPv6 address keeps its colons. */
function extraHostLine(entry: string): string {
  const at = entry.includes('=') ? entry.indexOf('=') : entry.indexOf(':');
  return `${entry.slice(at + 1)}\t${entry.slice(0, at)}`;
}

/** /etc/hosts of a container in its own network namespace: its addresses name it, after the `--add-host` entries. */
export function containerHosts(extraHosts: readonly string[], addresses: readonly string[] = [], hostname = '', domainname?: string): string {
  const names = domainname ? `${hostname}.${domainname} ${hostname}` : hostname;
  return isolatedHosts + [...extraHosts.map(extraHostLine), ...addresses.map((address) => `${address}\t${names}`)].map((line) => `${line}\n`).join('');
}

/**
 * resolv.conf of a container on a user-defined network: the embedded resolver, which forwards
 * what it does not know to the container's --dns servers or the host's, with the search domains
 * and options of the container (or the host), and ndots:0 as dockerd writes it.
 */
export function embeddedResolvConf(host: string, dns: DnsSettings, nameservers: readonly string[]): string {
  const lines = resolvConfWith(host, { ...dns, servers: nameservers }).trimEnd().split('\n');
  const options = lines.findIndex((line) => line.startsWith('options '));
  if (options < 0) lines.push('options ndots:0');
  else if (!/\bndots:/.test(lines[options])) lines[options] += ' ndots:0';
  return `${lines.join('\n')}\n`;
}

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

/**
 * resolv.conf with `--dns`, `--dns-search` and `--dns-option`: when any is given the file is
 * rebuilt as dockerd builds it (search, name servers, options), each taken from the base file
 * unless given.
 */
export function resolvConfWith(base: string, dns: DnsSettings): string {
  if (dns.servers.length + dns.search.length + dns.options.length === 0) return base;
  const valuesOf = (keyword: RegExp) =>
    base.split('\n').flatMap((line) => {
      const fields = line.trim().split(/\s+/);
      return keyword.test(fields[0]) ? fields.slice(1) : [];
    });
  const search = dns.search.length ? dns.search : valuesOf(/^(search|domain)$/);
  const servers = dns.servers.length ? dns.servers : valuesOf(/^nameserver$/);
  const options = dns.options.length ? dns.options : valuesOf(/^options$/);
  return [
    ...(search.length ? [`search ${search.join(' ')}`] : []),
    ...servers.map((server) => `nameserver ${server}`),
    ...(options.length ? [`options ${options.join(' ')}`] : []),
  ].join('\n') + '\n';
}

/** Files bind-mounted over /etc/hostname, /etc/hosts and /etc/resolv.conf, one directory per container. */
export class ContainerFilesDir implements ContainerFilesStore {
  constructor(private readonly dir: string) {}

  paths(id: string): ContainerFiles {
    const base = join(this.dir, id);
    return { hostname: join(base, 'hostname'), hosts: join(base, 'hosts'), resolvConf: join(base, 'resolv.conf') };
  }

  async write(id: string, settings: ContainerFileSettings): Promise<ContainerFiles> {
    const paths = this.paths(id);
    await mkdir(join(this.dir, id), { recursive: true });
    const hostResolv = await readFile('/etc/resolv.conf', 'utf8').catch(() => '');
    const { network } = settings;
    const hosts = settings.hostNetwork
      ? (await readFile('/etc/hosts', 'utf8').catch(() => '')) + settings.extraHosts.map((entry) => `${extraHostLine(entry)}\n`).join('')
      : containerHosts(settings.extraHosts, network?.addresses, settings.hostname, settings.domainname);
    const resolvConf = settings.hostNetwork
      ? resolvConfWith(hostResolv, settings.dns)
      : network?.nameservers.length
        ? embeddedResolvConf(hostResolv, settings.dns, network.nameservers)
        : resolvConfWith(containerResolvConf(hostResolv), settings.dns);
    // Written in place: the container's bind mounts keep showing these files.
    await Promise.all([writeFile(paths.hostname, `${settings.hostname}\n`), writeFile(paths.hosts, hosts), writeFile(paths.resolvConf, resolvConf)]);
    return paths;
  }

  async remove(id: string): Promise<void> {
    await rm(join(this.dir, id), { recursive: true, force: true });
  }
}
