import { cpus, hostname, machine, release, totalmem } from 'node:os';
import { readFile } from 'node:fs/promises';
import type { Route } from '../http/router.js';
import { sendJson } from '../http/responses.js';
import { hostArchitecture } from '@flotilla/kit';
import { maxApiVersion, minApiVersion } from '../http/api-version.js';
import { containerV1, imageV1, type ServiceClient, type volumeV1 } from '@flotilla/proto';
import { imageSummaryJson } from '../docker/image-json.js';
import { containerSummaryJson } from '../docker/container-json.js';
import { volumeJson } from '../docker/volume-json.js';

export interface SystemInfo {
  engineVersion: string;
  stateDir: string;
  /** Aggregation calls give up after this long and report what they have. */
  deadlineMs: number;
}

/** What the system routes aggregate from the services. */
export type SystemBackends = {
  containers: Pick<ServiceClient<typeof containerV1.ContainerService>, 'listContainers'>;
  images: Pick<ServiceClient<typeof imageV1.ImageService>, 'listImages' | 'getImageDiskUsage'>;
  volumes: Pick<ServiceClient<typeof volumeV1.VolumeService>, 'listVolumes'>;
};

async function operatingSystem(): Promise<{ name: string; version: string }> {
  const text = await readFile('/etc/os-release', 'utf8').catch(() => '');
  const field = (key: string) => new RegExp(`^${key}="?([^"\\n]*)"?$`, 'm').exec(text)?.[1];
  return { name: field('PRETTY_NAME') || 'Linux', version: field('VERSION_ID') || '' };
}


export function systemRoutes(info: SystemInfo, backends: SystemBackends): Route[] {
  const ping: Route = {
    method: 'GET',
    pattern: '/_ping',
    async handle({ req, res }) {
      res.setHeader('Cache-Control', 'no-cache, no-store, must-revalidate');
      res.setHeader('Pragma', 'no-cache');
      res.setHeader('Builder-Version', '1');
      res.setHeader('Swarm', 'inactive');
      const body = req.method === 'HEAD' ? '' : 'OK';
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    },
  };
  return [
    ping,
    {
      method: 'GET',
      pattern: '/version',
      async handle({ res }) {
        const arch = hostArchitecture();
        sendJson(res, 200, {
          Platform: { Name: 'Flotilla' },
          Components: [
            {
              Name: 'Engine',
              Version: info.engineVersion,
              Details: {
                ApiVersion: maxApiVersion,
                Arch: arch,
                BuildTime: '',
                Experimental: 'false',
                GitCommit: '',
                GoVersion: `node${process.versions.node}`,
                KernelVersion: release(),
                MinAPIVersion: minApiVersion,
                Os: 'linux',
              },
            },
          ],
          Version: info.engineVersion,
          ApiVersion: maxApiVersion,
          MinAPIVersion: minApiVersion,
          GitCommit: '',
          GoVersion: `node${process.versions.node}`,
          Os: 'linux',
          Arch: arch,
          KernelVersion: release(),
          BuildTime: '',
        });
      },
    },
    {
      method: 'GET',
      pattern: '/system/df',
      async handle({ res, query, apiVersion }) {
        // API 1.42 lets a client ask for some kinds only.
        const types = new Set(query.getAll('type'));
        const wants = (kind: string) => types.size === 0 || types.has(kind);
        const now = Date.now();
        const [images, containers, volumes] = await Promise.all([
          wants('image') ? backends.images.getImageDiskUsage({}) : undefined,
          wants('container') ? backends.containers.listContainers({ all: true, size: true, summary: true }) : undefined,
          wants('volume') ? backends.volumes.listVolumes({ withUsage: true }) : undefined,
        ]);
        sendJson(res, 200, {
          ...(images
            ? {
                LayersSize: Number(images.layersSize),
                Images: images.images.map((u) => ({ ...imageSummaryJson(u.image!, apiVersion), SharedSize: Number(u.sharedSize), Containers: u.containers })),
              }
            : {}),
          ...(containers ? { Containers: containers.containers.map((c) => containerSummaryJson(c, apiVersion, now)) } : {}),
          // As dockerd's local driver, volumes with options (a filesystem of their own) are left out.
          ...(volumes ? { Volumes: volumes.volumes.filter((v) => Object.keys(v.options).length === 0).map(volumeJson) } : {}),
          ...(wants('build-cache') ? { BuildCache: [] } : {}),
        });
      },
    },
    {
      method: 'GET',
      pattern: '/info',
      async handle({ res }) {
        const opts = { timeoutMs: info.deadlineMs };
        const warnings: string[] = [];
        const [containers, images, os] = await Promise.all([
          backends.containers.listContainers({ all: true, summary: true }, opts).then(
            (r) => r.containers,
            () => (warnings.push('WARNING: container-svc did not answer; container counts are missing'), []),
          ),
          backends.images.listImages({}, opts).then(
            (r) => r.images,
            () => (warnings.push('WARNING: image-svc did not answer; image count is missing'), []),
          ),
          operatingSystem(),
        ]);
        const count = (status: containerV1.ContainerStatus) => containers.filter((c) => c.state?.status === status).length;
        const running = count(containerV1.ContainerStatus.RUNNING);
        const paused = count(containerV1.ContainerStatus.PAUSED);
        sendJson(res, 200, {
          ID: hostname(),
          Containers: containers.length,
          ContainersRunning: running,
          ContainersPaused: paused,
          ContainersStopped: containers.length - running - paused,
          Images: images.length,
          Driver: 'overlayfs',
          DriverStatus: [['driver-type', 'io.containerd.snapshotter.v1']],
          Plugins: { Volume: ['local'], Network: ['bridge', 'host', 'null'], Authorization: null, Log: [] },
          MemoryLimit: true,
          SwapLimit: true,
          CpuCfsPeriod: true,
          CpuCfsQuota: true,
          CPUShares: true,
          CPUSet: true,
          PidsLimit: true,
          IPv4Forwarding: true,
          Debug: false,
          NFd: 0,
          OomKillDisable: false,
          NGoroutines: 0,
          SystemTime: new Date().toISOString(),
          LoggingDriver: 'none',
          CgroupDriver: 'cgroupfs',
          CgroupVersion: '1',
          NEventsListener: 0,
          KernelVersion: release(),
          OperatingSystem: os.name,
          OSVersion: os.version,
          OSType: 'linux',
          Architecture: machine(),
          IndexServerAddress: 'https://index.docker.io/v1/',
          RegistryConfig: { IndexConfigs: {}, InsecureRegistryCIDRs: ['127.0.0.0/8'], Mirrors: [] },
          NCPU: cpus().length,
          MemTotal: totalmem(),
          GenericResources: null,
          DockerRootDir: info.stateDir,
          HttpProxy: '',
          HttpsProxy: '',
          NoProxy: '',
          Name: hostname(),
          Labels: [],
          ExperimentalBuild: false,
          ServerVersion: info.engineVersion,
          Runtimes: { runc: { path: 'runc' } },
          DefaultRuntime: 'runc',
          Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
          LiveRestoreEnabled: true,
          Isolation: '',
          InitBinary: '',
          ContainerdCommit: { ID: '' },
          RuncCommit: { ID: '' },
          InitCommit: { ID: '' },
          SecurityOptions: [],
          Warnings: warnings.length ? warnings : null,
        });
      },
    },
  ];
}
