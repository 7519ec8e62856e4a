import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { resolverAddress } from '../core/container-attachments.js';
import type { NamespaceMaker } from '../core/ports.js';
import { runCommand, succeeds } from '@flotilla/kit';

/**
 * Persistent network namespaces bound to files, made with util-linux `unshare` and iproute2 (one
 * process per namespace: it is created, loopback brought up, and bound in one go).
 */
export class NetworkNamespaces implements NamespaceMaker {
  private readonly preparedDirs = new Set<string>();

  /** A namespace can only be bound on a private mount: make the directory one, once. */
  private async prepareDir(dir: string): Promise<void> {
    if (this.preparedDirs.has(dir)) return;
    await mkdir(dir, { recursive: true });
    if (!(await succeeds('mountpoint', ['-q', dir]))) {
      await runCommand('mount', ['--bind', dir, dir]);
      await runCommand('mount', ['--make-private', dir]);
    }
    this.preparedDirs.add(dir);
  }

  /** A new namespace with loopback up, bound at `path`. */
  async create(path: string): Promise<void> {
    await this.prepareDir(dirname(path));
    await writeFile(path, '', { flag: 'a' });
    try {
      await runCommand('unshare', [`--net=${path}`, 'ip', 'link', 'set', 'lo', 'up']);
    } catch (err) {
      await this.remove(path);
      throw err;
    }
  }

  /**
   * DNAT in the namespace's own nat table, which nothing else writes (and so is replaced whole):
   * 127.0.0.11:53 goes to the server, from the container's address (route_localnet lets a
   * loopback destination be routed out at all).
   */
  async routeResolver(path: string, server: string): Promise<void> {
    const rules = [
      '*nat',
      ...['udp', 'tcp'].map((protocol) => `-A OUTPUT -d ${resolverAddress}/32 -p ${protocol} --dport 53 -j DNAT --to-destination ${server}:53`),
      `-A POSTROUTING -s 127.0.0.0/8 -d ${server}/32 -j MASQUERADE`,
      'COMMIT',
      '',
    ];
    const script = 'echo 1 > /proc/sys/net/ipv4/conf/all/route_localnet && exec iptables-restore -w';
    await runCommand('nsenter', [`--net=${path}`, 'sh', '-c', script], rules.join('\n'));
  }

  /** Unbinds and deletes; a namespace that is already gone is fine. */
  async remove(path: string): Promise<void> {
    await succeeds('umount', [path]);
    await rm(path, { force: true });
  }
}
