/**
 * Route matching for the node transport, with uWS's precedence: a route with literal segments wins over
 * `/*`; `post` routes take only POST. Patterns are `/a/:param/b` or `/*` (all the gateway needs).
 */
import type { HttpHandler } from '../transport.js';

interface Route {
  method: 'post' | 'any';
  segments: string[] | undefined; // undefined: `/*`
  handler: HttpHandler;
}

export interface RouteMatch {
  handler: HttpHandler;
  params: string[];
}

export class RouteTable {
  private readonly routes: Route[] = [];
  private readonly catchAll: Route[] = [];

  add(method: 'post' | 'any', pattern: string, handler: HttpHandler): void {
    if (pattern === '/*') this.catchAll.push({ method, segments: undefined, handler });
    else this.routes.push({ method, segments: pattern.split('/').slice(1), handler });
  }

  match(method: string, path: string): RouteMatch | undefined {
    const parts = path.split('/').slice(1);
    for (const route of this.routes) {
      if (route.method === 'post' && method !== 'POST') continue;
      const params = matchSegments(route.segments!, parts);
      if (params) return { handler: route.handler, params };
    }
    const fallback = this.catchAll.find((route) => route.method === 'any' || method === 'POST');
    return fallback ? { handler: fallback.handler, params: [] } : undefined;
  }
}

function matchSegments(segments: string[], parts: string[]): string[] | undefined {
  if (segments.length !== parts.length) return undefined;
  const params: string[] = [];
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if (segment.startsWith(':')) {
      if (parts[i] === '') return undefined;
      params.push(parts[i]!);
    } else if (segment !== parts[i]) return undefined;
  }
  return params;
}
