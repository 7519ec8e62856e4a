import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly params: Record<string, string>;
  readonly query: URLSearchParams;
  readonly apiVersion: string;
  /** Aborted when the client goes away before the response is complete. */
  readonly signal: AbortSignal;
}

/** A request whose connection the handler takes over (attach, exec start). */
export interface HijackContext {
  readonly req: IncomingMessage;
  readonly socket: Duplex;
  /** Bytes the client sent after the request head. */
  readonly head: Buffer;
  readonly params: Record<string, string>;
  readonly query: URLSearchParams;
  readonly apiVersion: string;
  /**
   * Writes the response head (101 UPGRADED when the client asked for `Upgrade: tcp`, else 200)
   * after which the connection is a raw stream. Errors thrown before it become HTTP errors.
   */
  accept(contentType: string): void;
}

export type Route =
  | { method: string; pattern: string; handle: (ctx: RequestContext) => Promise<void> }
  | { method: string; pattern: string; hijack: (ctx: HijackContext) => Promise<void> };

interface CompiledRoute {
  route: Route;
  regex: RegExp;
  names: string[];
}

/**
 * Path patterns: `:id` matches one segment, `:name*` matches the rest greedily (image names
 * contain slashes: `/images/localhost:5000/team/app:1/json`).
 */
export class Router {
  private readonly compiled: CompiledRoute[];

  constructor(routes: Route[]) {
    this.compiled = routes.map((route) => {
      const names: string[] = [];
      const source = route.pattern.replace(/:([a-zA-Z]+)(\*?)/g, (_, name: string, greedy: string) => {
        names.push(name);
        return greedy ? '(.+)' : '([^/]+)';
      });
      return { route, names, regex: new RegExp(`^${source}$`) };
    });
  }

  match(method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
    // HEAD is answered by GET routes, as Go's router does.
    for (const candidate of [method, ...(method === 'HEAD' ? ['GET'] : [])]) {
      for (const { route, regex, names } of this.compiled) {
        if (route.method !== candidate) continue;
        const m = regex.exec(path);
        if (!m) continue;
        const params: Record<string, string> = {};
        names.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1])));
        return { route, params };
      }
    }
    return undefined;
  }
}
