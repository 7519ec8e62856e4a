/**
 * The `rel="next"` target of a `Link` header (RFC 8288), as the distribution API paginates
 * tag lists: `</v2/name/tags/list?last=b&n=100>; rel="next"`.
 */
export function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (match && /;\s*rel="?next"?(\s*;|\s*$)/i.test(match[2])) return match[1];
  }
  return undefined;
}
