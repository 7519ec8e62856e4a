import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { resolverAddress } from '../core/container-attachments.js';
import type { NamespaceMaker } from '../core/ports.js';
import { runCommand, succeeds } from '@flotilla/kit';

/** Namespaces kept ready per directory: `docker run` in a loop takes one at a time. */
const stockSize = 2;
const stockDirName = '.stock';
/**
 * Making one takes two processes (unshare, ip), whose work would slow the start that took one:
 * the stock is refilled once a container gives its namespace back (in a `docker run` loop, while
 * the client turns round), else a while after one is taken.
 */
const refillDelayMs = { emptied: 100, taken: 1000 };

/**
 * Persistent network namespaces bound to files, made with util-linux `unshare` and iproute2 (one
 * process per namespace: it is created, loopback brought up, and bound in one go). That process
 * costs about 15 ms, on the path of every container start, so a few are made ahead of need in
 * the directory's `.stock`: a container's path is then a symbolic link to one (runc, nsenter and
 * the CNI plugins open the path, and so follow it).
 */
export class NetworkNamespaces implements NamespaceMaker {
  private readonly preparedDirs = new Map<string, Promise<void>>();
  private readonly stocks = new Map<string, string[]>();
  private readonly filling = new Map<string, Promise<void>>();
  private closed = false;
  /** Unbinds of stocked namespaces that containers gave back, under way. */
  private readonly unbinding = new Set<Promise<void>>();

  constructor(private readonly warn: (obj: object, msg: string) => void) {}

  /**
   * A namespace can only be bound on a private mount: make the directory one, once. Stocked
   * namespaces no container links to are left from an earlier run: they go.
   */
  private prepareDir(dir: string): Promise<void> {
    let prepared = this.preparedDirs.get(dir);
    if (!prepared) {
      prepared = (async () => {
        await mkdir(join(dir, stockDirName), { recursive: true });
        if (!(await succeeds('mountpoint', ['-q', dir]))) {
          await runCommand('mount', ['--bind', dir, dir]);
          await runCommand('mount', ['--make-private', dir]);
        }
        const linked = new Set(await Promise.all((await readdir(dir)).map((name) => readlink(join(dir, name)).catch(() => ''))));
        const stocked = (await readdir(join(dir, stockDirName))).map((name) => join(dir, stockDirName, name));
        for (const path of stocked) if (!linked.has(path)) await this.unbind(path);
      })().catch((err) => {
        this.preparedDirs.delete(dir);
        throw err;
      });
      this.preparedDirs.set(dir, prepared);
    }
    return prepared;
  }

  /** A new namespace with loopback up, bound at `path`. */
  async create(path: string): Promise<void> {
    const dir = dirname(path);
    await this.prepareDir(dir);
    const stock = this.stocks.get(dir);
    const stocked = stock?.shift();
    setTimeout(() => this.refill(dir), stock?.length ? refillDelayMs.taken : refillDelayMs.emptied).unref();
    if (!stocked) return this.bind(path);
    try {
      await symlink(stocked, path).catch(async (err: NodeJS.ErrnoException) => {
        // What a crash left at the path goes, as `unshare` would have bound over it.
        if (err.code !== 'EEXIST') throw err;
        await this.remove(path);
        await symlink(stocked, path);
      });
    } catch (err) {
      await this.unbind(stocked);
      throw err;
    }
  }

  private async bind(path: string): Promise<void> {
    await writeFile(path, '', { flag: 'a' });
    try {
      await runCommand('unshare', [`--net=${path}`, 'ip', 'link', 'set', 'lo', 'up']);
    } catch (err) {
      await this.unbind(path);
      throw err;
    }
  }

  /** Makes the directory's stock full again, in the background. */
  private refill(dir: string): void {
    if (this.filling.has(dir) || this.closed) return;
    const stock = this.stocks.get(dir) ?? [];
    this.stocks.set(dir, stock);
    const filling = (async () => {
      // Its clean-up of what an earlier run left must not take what is stocked from now on.
      await this.prepareDir(dir);
      while (stock.length < stockSize) {
        const path = join(dir, stockDirName, randomBytes(8).toString('hex'));
        await this.bind(path);
        stock.push(path);
      }
    })()
      .catch((err) => this.warn({ err, dir }, 'network namespaces not made ahead'))
      .finally(() => this.filling.delete(dir));
    this.filling.set(dir, filling);
  }

  /** Unbinds the stock; the namespaces containers use stay. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.unbinding, ...this.filling.values()]);
    for (const stock of this.stocks.values()) for (const path of stock.splice(0)) await this.unbind(path);
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

  /**
   * Unbinds and deletes; a namespace that is already gone is fine. A stocked one is given back by
   * removing the container's link: its unbind (an `umount`) and the stock's refill end after the
   * call, off the path of the container's exit. Nothing else reaches it meanwhile, and
   * after a crash it is an unlinked stocked namespace, which the next start clears.
   */
  async remove(path: string): Promise<void> {
    const stocked = await readlink(path).catch(() => undefined);
    if (!stocked) return this.unbind(path);
    await rm(path, { force: true });
    const unbinding = this.unbind(stocked)
      .catch((err) => this.warn({ err, path: stocked }, 'network namespace not unbound'))
      .finally(() => {
        this.unbinding.delete(unbinding);
        this.refill(dirname(path));
      });
    this.unbinding.add(unbinding);
  }

  private async unbind(path: string): Promise<void> {
    await succeeds('umount', [path]);
    await rm(path, { force: true });
  }
}
