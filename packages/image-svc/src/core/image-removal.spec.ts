import type { CatalogImage } from './image-catalog';
import { planRemoval } from './image-removal';

const id = 'sha256:' + 'ab'.repeat(32);
function image(...names: string[]): CatalogImage {
  return {
    id,
    manifestDigest: 'sha256:m',
    target: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: 'sha256:m', size: 1 },
    configJson: new Uint8Array(),
    chainId: '',
    size: 0,
    created: new Date(0),
    names,
    repoTags: [],
    repoDigests: [],
  };
}
const digestName = 'docker.io/library/busybox@sha256:' + 'cd'.repeat(32);

describe('planRemoval', () => {
  it('only untags a name when the image keeps another tag', () => {
    const img = image('docker.io/library/busybox:latest', 'docker.io/library/busybox:1', digestName);
    expect(planRemoval(img, 'docker.io/library/busybox:1', [], false)).toEqual({ untag: ['docker.io/library/busybox:1'], deleteImage: false });
  });

  it('untags the last tag of a repository with the digest names of that repository', () => {
    const pushed = '127.0.0.1:5000/team/busybox@sha256:' + 'cd'.repeat(32);
    const img = image('docker.io/library/busybox:latest', '127.0.0.1:5000/team/busybox:v1', pushed);
    expect(planRemoval(img, '127.0.0.1:5000/team/busybox:v1', [], false)).toEqual({
      untag: ['127.0.0.1:5000/team/busybox:v1', pushed],
      deleteImage: false,
    });
  });

  it('deletes the image with its last tag, taking its digest names along', () => {
    const img = image('docker.io/library/busybox:latest', digestName);
    expect(planRemoval(img, 'docker.io/library/busybox:latest', [], false)).toEqual({ untag: img.names, deleteImage: true });
  });

  it('refuses the last tag of an image a container uses, unless forced', () => {
    const img = image('docker.io/library/busybox:latest');
    const stopped = [{ containerId: 'c'.repeat(64), running: false }];
    expect(() => planRemoval(img, 'docker.io/library/busybox:latest', stopped, false)).toThrow(
      'conflict: unable to remove repository reference "busybox:latest" (must force) - container cccccccccccc is using its referenced image abababababab',
    );
    expect(planRemoval(img, 'docker.io/library/busybox:latest', stopped, true).deleteImage).toBe(true);
    expect(planRemoval(img, 'docker.io/library/busybox:latest', [{ containerId: 'c'.repeat(64), running: true }], true)).toEqual({
      untag: ['docker.io/library/busybox:latest'],
      deleteImage: false,
    });
  });

  it('by ID: refuses names in several repositories unless forced, and running containers always', () => {
    const img = image('docker.io/library/busybox:latest', '127.0.0.1:5000/busybox:latest');
    expect(() => planRemoval(img, undefined, [], false)).toThrow('image is referenced in multiple repositories');
    expect(planRemoval(img, undefined, [], true)).toEqual({ untag: img.names, deleteImage: true });
    expect(() => planRemoval(img, undefined, [{ containerId: 'c'.repeat(64), running: true }], true)).toThrow('(cannot be forced)');
  });
});
