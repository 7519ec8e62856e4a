import type { ContainerdServices } from './connect.js';
import { ignoreNotFound } from './errors.js';

const SIGKILL = 9;

/**
 * Deletes a container's task that was created and never started; one already gone is fine. It is
 * killed first: its shim would otherwise wait for output (up to 2 s) from a `runc init` that holds
 * the pipes open, as containerd's own client does it.
 */
export async function deleteUnstartedTask(containerd: Pick<ContainerdServices, 'tasks'>, containerId: string): Promise<void> {
  const { tasks } = containerd;
  await ignoreNotFound(tasks.kill({ containerId, signal: SIGKILL, all: false }))
    .then(() => tasks.wait({ containerId }))
    .catch(() => undefined);
  await ignoreNotFound(tasks.delete({ containerId })).catch(() => undefined);
}
