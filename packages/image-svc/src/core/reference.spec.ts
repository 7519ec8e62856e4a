import { canonicalName, familiarName, parseReference } from './reference';

describe('parseReference', () => {
  it.each([
    ['busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36', 'busybox:1.36'],
    ['team/app', 'docker.io/team/app:latest', 'team/app:latest'],
    ['localhost/app:v1', 'localhost/app:v1', 'localhost/app:v1'],
    ['127.0.0.1:5000/ns/app:v2', '127.0.0.1:5000/ns/app:v2', '127.0.0.1:5000/ns/app:v2'],
    ['registry.example.com/app', 'registry.example.com/app:latest', 'registry.example.com/app:latest'],
    [
      'busybox@sha256:' + 'a'.repeat(64),
      'docker.io/library/busybox@sha256:' + 'a'.repeat(64),
      'busybox@sha256:' + 'a'.repeat(64),
    ],
  ])('%s is %s', (input, canonical, familiar) => {
    const ref = parseReference(input);
    expect(canonicalName(ref)).toBe(canonical);
    expect(familiarName(ref)).toBe(familiar);
  });

  it.each(['', 'BusyBox', 'busybox:', 'busybox:bad tag', 'a//b', 'busybox@sha256:short', '-lead'])('refuses %p', (input) => {
    expect(() => parseReference(input)).toThrow(/invalid reference format/);
  });
});
