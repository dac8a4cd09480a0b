/** The dashboard's pages, in sidebar order. */
export const PAGES = [
  { id: 'overview', label: 'Overview' },
  { id: 'servers', label: 'Servers' },
  { id: 'tools', label: 'Tools' },
  { id: 'keys', label: 'Keys' },
  { id: 'providers', label: 'Providers & models' },
  { id: 'logs', label: 'Logs' },
  { id: 'approvals', label: 'Approvals' },
  { id: 'settings', label: 'Settings' },
] as const;

/** One page id. */
export type PageId = (typeof PAGES)[number]['id'];

/** A parsed `#/page/detail` location. */
export interface Route {
  page: PageId;
  /** What follows the page, e.g. a tool name on `#/tools/everything-echo`. */
  detail: string | null;
}

/** Reads `#/page/detail`; unknown pages go to the overview. */
export function parseHash(hash: string): Route {
  const [page = '', ...rest] = hash.replace(/^#\/?/, '').split('/');
  const known = PAGES.find((candidate) => candidate.id === page);
  const detail = rest.length ? decodeURIComponent(rest.join('/')) : null;
  return { page: known ? known.id : 'overview', detail: known ? detail : null };
}

/** The href of a page (and detail). */
export function hrefOf(page: PageId, detail?: string | null): string {
  return `#/${page}${detail ? `/${encodeURIComponent(detail)}` : ''}`;
}

/** Hash routing, so the tray can open `/ui/#/approvals` and reloads keep the page. */
export class Router {
  route = $state.raw<Route>({ page: 'overview', detail: null });

  constructor(private readonly target: Window) {
    this.route = parseHash(target.location.hash);
  }

  /** Follows hash changes until the returned function is called. */
  listen(): () => void {
    const update = () => (this.route = parseHash(this.target.location.hash));
    this.target.addEventListener('hashchange', update);
    return () => this.target.removeEventListener('hashchange', update);
  }

  /** Goes to a page (and detail) by changing the hash. */
  go(page: PageId, detail?: string | null): void {
    const href = hrefOf(page, detail);
    if (this.target.location.hash !== href) this.target.location.hash = href;
    this.route = parseHash(href);
  }
}
