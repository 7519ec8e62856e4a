/** One challenge of a `WWW-Authenticate` header: `Bearer realm="…",service="…",scope="…"`. */
export interface AuthChallenge {
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses the challenges of a `WWW-Authenticate` header (RFC 7235): a scheme, then parameters
 * `name=token` or `name="quoted string"`, challenges and parameters separated by commas.
 */
export function parseWwwAuthenticate(header: string): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  let current: AuthChallenge | undefined;
  let at = 0;
  const skip = (chars: string) => {
    while (at < header.length && chars.includes(header[at])) at++;
  };
  const token = () => {
    const match = /^[\w!#$%&'*+.^`|~/-]+/.exec(header.slice(at));
    at += match ? match[0].length : 0;
    return match?.[0] ?? '';
  };
  const quoted = () => {
    let value = '';
    for (at++; at < header.length && header[at] !== '"'; at++) value += header[at] === '\\' ? header[++at] : header[at];
    at++;
    return value;
  };
  while (at < header.length) {
    skip(' ,');
    const word = token();
    if (!word) break;
    skip(' ');
    if (header[at] === '=' && current) {
      at++;
      skip(' ');
      current.params[word.toLowerCase()] = header[at] === '"' ? quoted() : token();
    } else {
      current = { scheme: word.toLowerCase(), params: {} };
      challenges.push(current);
    }
  }
  return challenges;
}
