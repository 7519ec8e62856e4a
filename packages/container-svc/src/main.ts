import { join } from 'node:path';
import { connectService, containerV1, createClient, imageV1, networkV1, serviceRegistration, volumeV1 } from '@flotilla/proto';
import { connectEventPublisher, envString, packageVersion, runService, untilAvailable } from '@flotilla/kit';
import { connectContainerd } from '@flotilla/containerd';
import { ContainerLifecycle } from './core/container-lifecycle.js';
import { ContainerObserver } from './core/container-observer.js';
import { ExecSessions } from './core/exec-sessions.js';
import { containerHandlers } from './grpc/container-handlers.js';
import { ContainerdRuntime, runcRuntime } from './runtime/containerd-runtime.js';
import { SharedShims } from './runtime/shared-shims.js';
import { ContainerFilesDir } from './runtime/container-files.js';
import { JsonFileLogs } from './runtime/json-file-logs.js';
import { readHostFacts } from './runtime/host-facts.js';
import { ownCgroupLockWarmer } from './runtime/cgroup-lock-warmer.js';
import { readCgroupStats } from './runtime/cgroup-stats.js';
import { cgroupPids, processTable } from './runtime/process-table.js';
import { NatsContainerEvents } from './runtime/container-events.js';
import { ImageServiceResolver } from './runtime/image-resolver.js';
import { NetworkServiceAttacher } from './runtime/network-attacher.js';
import { ContainerMounts } from './core/container-mounts.js';
import { containerArchives } from './runtime/container-archive.js';
import { VolumeCatalog } from './core/volumes/volume-catalog.js';
import { volumeHandlers } from './grpc/volume-handlers.js';
import { hostPaths } from './runtime/host-paths.js';
import { NatsVolumeEvents } from './runtime/volume-events.js';
import { CommandVolumeMounter } from './runtime/volume-mounter.js';
import { FileVolumeStore } from './store/file-volume-store.js';

void runService({
  name: 'container-svc',
  version: packageVersion(__dirname),
  async compose({ logger, own }) {
    const stateDir = envString('FLOTILLA_STATE_DIR', '/var/lib/flotilla/container');
    const runDir = envString('FLOTILLA_RUN_DIR', '/run/flotilla/container');
    const warn = (obj: object, msg: string) => logger.warn(obj, msg);
    const containerd = own(
      connectContainerd({
        address: envString('FLOTILLA_CONTAINERD_ADDRESS'),
        namespace: envString('FLOTILLA_CONTAINERD_NAMESPACE', 'flotilla'),
      }),
    );
    await untilAvailable('containerd', () => containerd.version.version({}, { timeoutMs: 2000 }), logger);
    const events = own(await connectEventPublisher(envString('FLOTILLA_NATS_URL'), logger));
    const imageService = own(connectService(envString('FLOTILLA_IMAGE_SVC_ADDRESS')));
    const networkService = own(connectService(envString('FLOTILLA_NETWORK_SVC_ADDRESS')));
    // Like dockerd, one directory per container holds its files and its log.
    const files = new ContainerFilesDir(join(stateDir, 'containers'));
    const logs = new JsonFileLogs(join(stateDir, 'containers'));
    const cgroupParent = envString('FLOTILLA_CGROUP_PARENT', '/flotilla');
    const runcRoot = join(runDir, 'runc');
    const shims = own(new SharedShims(containerd, { runtime: runcRuntime(runcRoot), rootfsDir: join(runDir, 'shim-keeper'), cgroupParent, warn }));
    shims.start();
    const runtime = new ContainerdRuntime(containerd, { ioDir: join(runDir, 'io'), fifoStockDir: join(runDir, 'fifo-stock'), runcRoot, mountDir: join(runDir, 'mnt'), shims, cgroupLock: ownCgroupLockWarmer(warn), warn });
    // Volumes are a service of their own, in this process because containers use them.
    const volumeEvents = new NatsVolumeEvents(events);
    const volumes = new VolumeCatalog({ store: new FileVolumeStore(join(stateDir, 'volumes')), mounter: new CommandVolumeMounter(), events: volumeEvents });
    await volumes.load();
    const containerEvents = new NatsContainerEvents(events);
    const host = readHostFacts(envString('FLOTILLA_INIT_BINARY', '/usr/bin/tini-static'));
    const lifecycle = own(
      new ContainerLifecycle({
        runtime,
        images: new ImageServiceResolver(createClient(imageV1.ImageService, imageService)),
        network: new NetworkServiceAttacher(createClient(networkV1.NetworkService, networkService)),
        files,
        mounts: new ContainerMounts({ volumes, hostPaths, events: volumeEvents }),
        logs,
        events: containerEvents,
        host,
        netnsDir: envString('FLOTILLA_NETNS_DIR', '/run/flotilla/netns'),
        cgroupParent,
        warn,
      }),
    );
    await lifecycle.recover();
    const observer = new ContainerObserver(lifecycle, { stats: readCgroupStats, pids: cgroupPids, processTable }, cgroupParent);
    const execs = new ExecSessions({ runtime, containers: lifecycle, events: containerEvents, host, warn });
    return [
      serviceRegistration(containerV1.ContainerService, containerHandlers(lifecycle, observer, execs, files, containerArchives), logger),
      serviceRegistration(volumeV1.VolumeService, volumeHandlers(volumes), logger),
    ];
  },
});
