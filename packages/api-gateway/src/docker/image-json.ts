import { imageV1 } from '@flotilla/proto';
import { compareApiVersions } from '../http/api-version.js';
import { rfc3339Nano, unixSeconds } from './time-format.js';

type Image = imageV1.Image;

/** The subset of an OCI image config that Docker's API shows. */
interface ImageConfig {
  author?: string;
  created?: string;
  architecture?: string;
  variant?: string;
  os?: string;
  config?: Record<string, unknown>;
  rootfs?: { type?: string; diff_ids?: string[] };
  history?: { comment?: string; created_by?: string }[];
}

function parseConfig(image: Image): ImageConfig {
  return image.configJson.length ? (JSON.parse(Buffer.from(image.configJson).toString('utf8')) as ImageConfig) : {};
}

/** Docker's container Config with the image's values, every field present as dockerd prints it. */
function dockerConfig(config: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Hostname: '',
    Domainname: '',
    User: config.User ?? '',
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    ...(config.ExposedPorts ? { ExposedPorts: config.ExposedPorts } : {}),
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: config.Env ?? null,
    Cmd: config.Cmd ?? null,
    ...(config.Healthcheck ? { Healthcheck: config.Healthcheck } : {}),
    ...(config.ArgsEscaped ? { ArgsEscaped: config.ArgsEscaped } : {}),
    Image: '',
    Volumes: config.Volumes ?? null,
    WorkingDir: config.WorkingDir ?? '',
    Entrypoint: config.Entrypoint ?? null,
    OnBuild: config.OnBuild ?? null,
    Labels: config.Labels ?? null,
    ...(config.StopSignal ? { StopSignal: config.StopSignal } : {}),
    ...(config.Shell ? { Shell: config.Shell } : {}),
  };
}

const atLeast = (apiVersion: string, version: string) => compareApiVersions(apiVersion, version) >= 0;

/** One entry of `GET /images/json`. */
export function imageSummaryJson(image: Image, apiVersion: string): Record<string, unknown> {
  const config = parseConfig(image);
  const summary: Record<string, unknown> = {
    Containers: -1,
    Created: unixSeconds(image.created),
    Id: image.id,
    Labels: config.config?.Labels ?? null,
    ParentId: '',
    RepoDigests: image.repoDigests,
    // Before 1.43 an untagged image was listed as <none>:<none>.
    RepoTags: image.repoTags.length || atLeast(apiVersion, '1.43') ? image.repoTags : ['<none>:<none>'],
    SharedSize: -1,
    Size: Number(image.size),
  };
  if (!atLeast(apiVersion, '1.44')) summary.VirtualSize = Number(image.size);
  return summary;
}

/** `GET /images/{name}/json`. */
export function imageInspectJson(image: Image, apiVersion: string): Record<string, unknown> {
  const config = parseConfig(image);
  const history = config.history ?? [];
  const inspect: Record<string, unknown> = {
    Id: image.id,
    RepoTags: image.repoTags,
    RepoDigests: image.repoDigests,
    Parent: '',
    Comment: history.length ? (history[history.length - 1].comment ?? '') : '',
    Created: config.created ?? rfc3339Nano(image.created),
  };
  if (!atLeast(apiVersion, '1.45')) {
    inspect.Container = '';
    inspect.ContainerConfig = dockerConfig();
  }
  Object.assign(inspect, {
    DockerVersion: '',
    Author: config.author ?? '',
    Config: dockerConfig(config.config),
    Architecture: config.architecture ?? '',
    ...(config.variant ? { Variant: config.variant } : {}),
    Os: config.os ?? '',
    Size: Number(image.size),
  });
  if (!atLeast(apiVersion, '1.44')) inspect.VirtualSize = Number(image.size);
  Object.assign(inspect, {
    GraphDriver: { Data: null, Name: image.snapshotter },
    RootFS: { Type: config.rootfs?.type ?? 'layers', Layers: config.rootfs?.diff_ids ?? [] },
    Metadata: { LastTagTime: '0001-01-01T00:00:00Z' },
  });
  return inspect;
}
