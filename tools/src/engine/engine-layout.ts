import { join, resolve } from 'node:path';

/** Where the one-machine engine keeps everything; each part is overridable by environment. */
export interface EngineLayout {
  repoRoot: string;
  stateDir: string;
  runDir: string;
  apiSocket: string;
  namespace: string;
  natsPort: number;
  cgroupParent: string;
  /** The default bridge network's device; engines beside each other on a host need their own. */
  defaultBridge: string;
  logDir: string;
  containerd: { config: string; root: string; state: string; socket: string };
  sockets: { container: string; image: string; network: string; build: string };
}

export function engineLayout(env: NodeJS.ProcessEnv = process.env): EngineLayout {
  const repoRoot = resolve(__dirname, '..', '..', '..');
  const stateDir = env.FLOTILLA_STATE_DIR || '/var/lib/flotilla';
  const runDir = env.FLOTILLA_RUN_DIR || '/run/flotilla';
  const namespace = env.FLOTILLA_NAMESPACE || 'flotilla';
  return {
    repoRoot,
    stateDir,
    runDir,
    apiSocket: env.FLOTILLA_API_SOCKET || join(runDir, 'docker.sock'),
    namespace,
    natsPort: Number(env.FLOTILLA_NATS_PORT || 14222),
    cgroupParent: env.FLOTILLA_CGROUP_PARENT || `/${namespace}`,
    // Device names are at most 15 bytes.
    defaultBridge: env.FLOTILLA_DEFAULT_BRIDGE || `${namespace.slice(0, 14)}0`,
    logDir: join(stateDir, 'logs'),
    containerd: {
      config: join(runDir, 'containerd', 'config.toml'),
      root: join(stateDir, 'containerd'),
      state: join(runDir, 'containerd', 'state'),
      socket: join(runDir, 'containerd', 'containerd.sock'),
    },
    sockets: {
      container: join(runDir, 'container-svc.sock'),
      image: join(runDir, 'image-svc.sock'),
      network: join(runDir, 'network-svc.sock'),
      build: join(runDir, 'build-svc.sock'),
    },
  };
}

/** containerd of our own: its own root, state and socket, and no Kubernetes CRI plugin. */
export function containerdConfig(layout: EngineLayout): string {
  const { containerd } = layout;
  return [
    'version = 2',
    `root = "${containerd.root}"`,
    `state = "${containerd.state}"`,
    'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
    '',
    '[grpc]',
    `  address = "${containerd.socket}"`,
    '',
    '[ttrpc]',
    `  address = "${containerd.socket}.ttrpc"`,
    '',
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = "${join(containerd.root, 'opt')}"`,
    '',
  ].join('\n');
}

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
}

/** Every process of the engine in start order; they stop in the reverse order. */
export function engineProcesses(layout: EngineLayout): ProcessSpec[] {
  const unix = (path: string) => `unix://${path}`;
  const service = (name: string, env: Record<string, string>): ProcessSpec => ({
    name,
    command: process.execPath,
    args: [
      '--enable-source-maps',
      // A request runs most of its functions only a few times, too few for V8 to optimise them, so
      // they stay in the bytecode interpreter. Compiling each to baseline code at its first call
      // cut the gateway's and container-svc's CPU per `docker exec` by about a sixth here, and
      // `docker exec` latency by 3-4% (paired runs against dockerd).
      '--always-sparkplug',
      // V8 counts the Buffers of byte streams (cp, pull, logs) against the old space's limit, and
      // at its default start that limit brought a full GC every few MB moved. Starting it at
      // 256 MB halved container-svc's CPU per `docker cp` out here (see the copy benchmark).
      '--initial-old-space-size=256',
      join(layout.repoRoot, 'packages', name, 'dist', 'main.js'),
    ],
    env: {
      FLOTILLA_LOG_LEVEL: process.env.FLOTILLA_LOG_LEVEL || 'info',
      FLOTILLA_NATS_URL: `nats://127.0.0.1:${layout.natsPort}`,
      FLOTILLA_CONTAINERD_ADDRESS: unix(layout.containerd.socket),
      FLOTILLA_CONTAINERD_NAMESPACE: layout.namespace,
      ...env,
    },
  });
  return [
    {
      name: 'containerd',
      command: 'containerd',
      args: ['--config', layout.containerd.config],
      // Every pulled byte passes through containerd's heap in gRPC messages; collecting less often
      // cut its CPU per pull by a fifth here (see the pull benchmark).
      env: { GOGC: process.env.GOGC || '400' },
    },
    {
      name: 'nats',
      command: 'nats-server',
      args: ['--jetstream', '--store_dir', join(layout.stateDir, 'nats'), '--addr', '127.0.0.1', '--port', String(layout.natsPort)],
      env: {},
    },
    service('network-svc', {
      FLOTILLA_LISTEN: unix(layout.sockets.network),
      FLOTILLA_STATE_DIR: join(layout.stateDir, 'network'),
      FLOTILLA_DEFAULT_BRIDGE: layout.defaultBridge,
    }),
    service('image-svc', { FLOTILLA_LISTEN: unix(layout.sockets.image), FLOTILLA_STATE_DIR: join(layout.stateDir, 'image') }),
    service('build-svc', { FLOTILLA_LISTEN: unix(layout.sockets.build), FLOTILLA_STATE_DIR: join(layout.stateDir, 'build') }),
    service('container-svc', {
      FLOTILLA_LISTEN: unix(layout.sockets.container),
      FLOTILLA_STATE_DIR: join(layout.stateDir, 'container'),
      FLOTILLA_RUN_DIR: join(layout.runDir, 'container'),
      FLOTILLA_NETNS_DIR: join(layout.runDir, 'netns'),
      FLOTILLA_CGROUP_PARENT: layout.cgroupParent,
      FLOTILLA_IMAGE_SVC_ADDRESS: unix(layout.sockets.image),
      FLOTILLA_NETWORK_SVC_ADDRESS: unix(layout.sockets.network),
    }),
    service('api-gateway', {
      FLOTILLA_API_SOCKET: layout.apiSocket,
      FLOTILLA_STATE_DIR: layout.stateDir,
      FLOTILLA_CONTAINER_SVC_ADDRESS: unix(layout.sockets.container),
      FLOTILLA_IMAGE_SVC_ADDRESS: unix(layout.sockets.image),
      FLOTILLA_NETWORK_SVC_ADDRESS: unix(layout.sockets.network),
    }),
  ];
}
