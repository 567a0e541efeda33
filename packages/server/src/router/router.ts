import type { StorageView } from '@coffer/barrier';
import type { EngineDispatcher } from '../logical/engine-dispatcher.js';
import type { MountEntry } from './mount-entry.js';

/** A mounted engine instance. */
export interface Route {
  readonly entry: MountEntry;
  /** `secret/`, `auth/token/`, `sys/`. */
  readonly mountPoint: string;
  readonly dispatcher: EngineDispatcher;
  readonly storage: StorageView;
}

export interface RouteMatch {
  readonly route: Route;
  /** The request path relative to the mount point. */
  readonly relativePath: string;
}

/**
 * Longest-prefix routing over mount points. Immutable: mounting or unmounting builds a new
 * router, so a request in flight keeps the routing it started with.
 */
export class Router {
  readonly #routes: ReadonlyMap<string, Route>;
  /** Mount points, longest first. */
  readonly #order: readonly string[];

  constructor(routes: readonly Route[] = []) {
    const map = new Map<string, Route>();
    for (const r of routes) map.set(r.mountPoint, r);
    this.#routes = map;
    this.#order = [...map.keys()].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
  }

  get routes(): readonly Route[] {
    return [...this.#routes.values()];
  }

  /** The route serving `path`; `secret` (no slash) also matches the mount `secret/`, as in Vault. */
  match(path: string): RouteMatch | undefined {
    for (const candidate of path.endsWith('/') ? [path] : [path, `${path}/`]) {
      for (const mountPoint of this.#order) {
        if (candidate.startsWith(mountPoint)) {
          const route = this.#routes.get(mountPoint) as Route;
          return { route, relativePath: candidate.slice(mountPoint.length) };
        }
      }
    }
    return undefined;
  }

  /** The mount whose point is exactly `mountPoint`. */
  get(mountPoint: string): Route | undefined {
    return this.#routes.get(mountPoint);
  }

  /** The longest mount point that is a prefix of `path` (no slash appended). */
  mountPointOf(path: string): string | undefined {
    return this.match(path)?.route.mountPoint;
  }

  with(route: Route): Router {
    return new Router(
      [...this.#routes.values()].filter((r) => r.mountPoint !== route.mountPoint).concat(route),
    );
  }

  without(mountPoint: string): Router {
    return new Router([...this.#routes.values()].filter((r) => r.mountPoint !== mountPoint));
  }
}
