/** The 12 hex digits Docker shows for a digest or an image ID (`sha256:` dropped). */
export function shortId(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}
