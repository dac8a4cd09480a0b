import type { IncomingHttpHeaders } from 'node:http';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/**
 * DNS-rebinding protection: the Host must name this machine's loopback (or the host Gatehouse
 * was told to bind), and an Origin, when a browser sends one, must be one of those too.
 * Returns why a request is refused, or null when it may go on.
 */
export function checkHostAndOrigin(headers: IncomingHttpHeaders, boundHost: string): string | null {
  const allowed = new Set(LOOPBACK_NAMES);
  if (boundHost && boundHost !== '0.0.0.0' && boundHost !== '::') allowed.add(boundHost.toLowerCase());
  const host = headers.host;
  if (!host || !allowed.has(hostnameOf(host))) return `Host ${JSON.stringify(host ?? '')} is not allowed`;
  const origin = headers.origin;
  if (origin !== undefined) {
    let name: string;
    try {
      const url = new URL(origin);
      name = url.protocol === 'http:' || url.protocol === 'https:' ? url.hostname.toLowerCase() : '';
    } catch {
      name = '';
    }
    if (!allowed.has(name)) return `Origin ${JSON.stringify(origin)} is not allowed`;
  }
  return null;
}

function hostnameOf(host: string): string {
  const lower = host.trim().toLowerCase();
  if (lower.startsWith('[')) return lower.slice(0, lower.indexOf(']') + 1);
  const colon = lower.lastIndexOf(':');
  return colon === -1 ? lower : lower.slice(0, colon);
}
