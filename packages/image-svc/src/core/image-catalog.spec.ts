import { catalog, danglingName, resolveReference, type ImageInfo } from './image-catalog';

const info = (id: string, manifestDigest: string, created = 0): ImageInfo => ({
  id: `sha256:${id.padEnd(64, '0')}`,
  manifestDigest,
  configJson: new Uint8Array(),
  chainId: 'sha256:chain',
  size: 10,
  created: new Date(created),
});

const target = (digest: string) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: 100 });

describe('image catalog', () => {
  const infos = new Map([
    ['m1', info('aa', 'm1', 1)],
    ['m2', info('ab', 'm2', 2)],
  ]);
  const images = catalog(
    [
      { name: 'docker.io/library/busybox:latest', target: target('m1') },
      { name: '127.0.0.1:5000/team/busybox:v1', target: target('m1') },
      { name: danglingName('m2'), target: target('m2') },
    ],
    (d) => infos.get(d),
  );

  it('groups names of one image and shows them the familiar way', () => {
    expect(images.map((i) => i.repoTags)).toEqual([[], ['busybox:latest', '127.0.0.1:5000/team/busybox:v1']]);
  });

  it('resolves names, full IDs and unique ID prefixes', () => {
    expect(resolveReference('busybox', images).id).toBe(infos.get('m1')!.id);
    expect(resolveReference(infos.get('m2')!.id, images).manifestDigest).toBe('m2');
    expect(resolveReference('ab', images).manifestDigest).toBe('m2');
  });

  it('reports unknown names with the familiar name and refuses ambiguous prefixes', () => {
    expect(() => resolveReference('nosuchimage', images)).toThrow('No such image: nosuchimage:latest');
    expect(() => resolveReference('a', images)).toThrow('multiple images found with provided prefix: a');
  });
});
