import { globToRegExp } from './glob';
import type { CatalogImage } from './image-catalog';
import { filterImages, parseTimeFilter, pruneCandidates } from './image-filters';

function image(id: string, repoTags: string[], created: number, labels: Record<string, string> = {}): CatalogImage {
  return {
    id: `sha256:${id.padEnd(64, '0')}`,
    manifestDigest: `sha256:m${id}`,
    target: { mediaType: 'x', digest: `sha256:m${id}`, size: 1 },
    configJson: Buffer.from(JSON.stringify({ config: { Labels: labels } })),
    chainId: '',
    size: 1,
    created: new Date(created),
    names: repoTags.map((t) => `docker.io/library/${t}`),
    repoTags,
    repoDigests: [],
  };
}

const images = [
  image('a1', ['busybox:latest', 'busybox:1.36'], 1000, { team: 'core' }),
  image('b2', ['alpine:3'], 2000, { team: 'web', tier: 'front' }),
  image('c3', [], 3000),
];
const ids = (list: CatalogImage[]) => list.map((i) => i.id.slice(7, 9));

describe('filterImages', () => {
  it('keeps dangling or tagged images', () => {
    expect(ids(filterImages(images, { dangling: ['true'] }))).toEqual(['c3']);
    expect(ids(filterImages(images, { dangling: ['false'] }))).toEqual(['a1', 'b2']);
  });

  it('matches labels by key or key=value, all of them', () => {
    expect(ids(filterImages(images, { label: ['team'] }))).toEqual(['a1', 'b2']);
    expect(ids(filterImages(images, { label: ['team=web', 'tier=front'] }))).toEqual(['b2']);
  });

  it('matches references with shell patterns, with or without the tag', () => {
    expect(ids(filterImages(images, { reference: ['busy*'] }))).toEqual(['a1']);
    expect(ids(filterImages(images, { reference: ['*:3', 'nothing'] }))).toEqual(['b2']);
    expect(filterImages(images, { reference: ['busybox:1.*'] })[0].repoTags).toEqual(['busybox:1.36']);
  });

  it('orders by creation against another image', () => {
    expect(ids(filterImages(images, { before: ['alpine:3'] }))).toEqual(['a1']);
    expect(ids(filterImages(images, { since: ['busybox'] }))).toEqual(['b2', 'c3']);
  });

  it('refuses filters it does not know and booleans it cannot read', () => {
    expect(() => filterImages(images, { colour: ['red'] })).toThrow("invalid filter 'colour'");
    expect(() => filterImages(images, { dangling: ['maybe'] })).toThrow("Invalid filter 'dangling=maybe'");
  });
});

describe('time filters', () => {
  it('reads unix seconds, RFC 3339 and durations', () => {
    expect(parseTimeFilter('1700000000')).toBe(1_700_000_000_000);
    expect(parseTimeFilter('2026-01-01T00:00:00Z')).toBe(Date.parse('2026-01-01T00:00:00Z'));
    expect(parseTimeFilter('1h30m', 10_000_000)).toBe(10_000_000 - 5_400_000);
  });
});

describe('globToRegExp', () => {
  it('does not let * cross a slash', () => {
    expect(globToRegExp('team/*').test('team/app')).toBe(true);
    expect(globToRegExp('*').test('team/app')).toBe(false);
    expect(globToRegExp('app[0-9]').test('app7')).toBe(true);
  });
});

describe('pruneCandidates', () => {
  it('takes dangling images by default, every image with dangling=false, minus label!', () => {
    expect(ids(pruneCandidates(images, {}))).toEqual(['c3']);
    expect(ids(pruneCandidates(images, { dangling: ['false'], 'label!': ['team=web'] }))).toEqual(['a1', 'c3']);
    expect(() => pruneCandidates(images, { reference: ['x'] })).toThrow("invalid filter 'reference'");
  });
});
