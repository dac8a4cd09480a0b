import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]']);

/**
 * DNS-rebinding protection: the Host must name this machine's loopback (or the host Gatehouse
 * was told to bind), and an Origin, when a browser sends one, must be one of those too, or the
 * very origin the Host names (same-origin). Bound to every interface (`0.0.0.0`, `::`), a Host
 * that is an IP address is accepted as well: a rebinding attack needs a name it controls, so
 * an address cannot be one, and the dashboard must work from another machine.
 * Returns why a request is refused, or null when it may go on.
 */
export function checkHostAndOrigin(headers: IncomingHttpHeaders, boundHost: string): string | null {
  const bound = (boundHost ?? '').toLowerCase();
  const wildcard = WILDCARD_HOSTS.has(bound);
  const allowed = allowedNames(bound, wildcard);
  const host = headers.host;
  const hostName = host ? hostnameOf(host) : '';
  const hostOk = allowed.has(hostName) || (wildcard && isIP(hostName.replace(/^\[|\]$/g, '')) !== 0);
  if (!host || !hostOk) return `Host ${JSON.stringify(host ?? '')} is not allowed`;
  const origin = headers.origin;
  if (origin !== undefined) {
    let name = '';
    let sameOrigin = false;
    try {
      const url = new URL(origin);
      if (url.protocol === 'http:' || url.protocol === 'https:') {
        name = url.hostname.toLowerCase();
        sameOrigin = url.host.toLowerCase() === host.trim().toLowerCase();
      }
    } catch {
      name = '';
    }
    if (!allowed.has(name) && !sameOrigin) return `Origin ${JSON.stringify(origin)} is not allowed`;
  }
  return null;
}

let cachedFor: string | null = null;
let cachedNames: ReadonlySet<string> = LOOPBACK_NAMES;

/** The host names accepted when bound to `bound` (kept for the last bound host: it rarely changes). */
function allowedNames(bound: string, wildcard: boolean): ReadonlySet<string> {
  if (bound === cachedFor) return cachedNames;
  const names = new Set(LOOPBACK_NAMES);
  if (bound && !wildcard) names.add(bound.includes(':') && !bound.startsWith('[') ? `[${bound}]` : bound);
  cachedFor = bound;
  cachedNames = names;
  return names;
}

function hostnameOf(host: string): string {
  const lower = host.trim().toLowerCase();
  if (lower.startsWith('[')) return lower.slice(0, lower.indexOf(']') + 1);
  const colon = lower.lastIndexOf(':');
  return colon === -1 ? lower : lower.slice(0, colon);
}
