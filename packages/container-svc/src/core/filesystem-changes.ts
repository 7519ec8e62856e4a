/** One entry of `docker diff`. */
export interface FilesystemChange {
  path: string;
  kind: 'changed' | 'added' | 'deleted';
}

/**
 * What the engine itself puts into a container's layer for runc to mount over: dockerd keeps
 * these in an init layer below the container's, so they never show in its diff.
 */
const engineMountPoints = ['/proc', '/sys', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/dev/console', '/etc/hosts', '/etc/hostname', '/etc/resolv.conf', '/etc/mtab', '/sbin/docker-init', '/.dockerenv'];

/** The container's own changes: the engine's mount points go, and so do directories that changed only to hold them. */
export function containerChanges(changes: readonly FilesystemChange[]): FilesystemChange[] {
  const own = changes.filter((c) => !engineMountPoints.includes(c.path));
  const holdsEngineMountPoint = (path: string) => engineMountPoints.some((p) => p.startsWith(`${path}/`));
  const hasOwnDescendant = (path: string) => own.some((c) => c.path.startsWith(`${path}/`) && !holdsEngineMountPoint(c.path));
  return own.filter((c) => c.kind === 'deleted' || !holdsEngineMountPoint(c.path) || hasOwnDescendant(c.path));
}
