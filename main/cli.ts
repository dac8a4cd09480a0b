import { parseArgs } from 'node:util';
import { Gatehouse } from './app/gatehouse';
import { defaultDataDir } from './app/paths';
import { DatabaseTooNewError } from './store/database';
import type { ServerView } from '../shared/types';

/** How long `serve` waits for the servers before saying which are still starting. */
export const SERVERS_REPORT_AFTER_MS = 60_000;

const USAGE = `Usage: gatehouse serve [--port N] [--host H] [--data-dir DIR]

  --port N        port to listen on (default: GATEHOUSE_PORT or 4000; 0 picks a free one)
  --host H        address to bind (default: GATEHOUSE_HOST or 127.0.0.1)
  --data-dir DIR  where gatehouse.db and the keys live (default: GATEHOUSE_DATA_DIR or the OS app-data folder)
`;

/** `gatehouse serve`: the gateway headless. Resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'data-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const [command = 'serve'] = parsed.positionals;
  if (parsed.values.help) return process.stdout.write(USAGE), 0;
  if (command !== 'serve') {
    process.stderr.write(`unknown command: ${command}\n\n${USAGE}`);
    return 2;
  }
  const portText = parsed.values.port ?? process.env.GATEHOUSE_PORT;
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    process.stderr.write(`--port must be a number from 0 to 65535, not ${portText}\n`);
    return 2;
  }
  return serve({
    dataDir: parsed.values['data-dir'] ?? defaultDataDir(),
    port,
    host: parsed.values.host ?? process.env.GATEHOUSE_HOST,
    masterKey: process.env.GATEHOUSE_MASTER_KEY,
  });
}

/** Starts the gateway and runs until SIGINT, SIGTERM or SIGHUP. */
export async function serve(options: { dataDir: string; port?: number; host?: string; masterKey?: string }): Promise<number> {
  let gatehouse: Gatehouse;
  try {
    gatehouse = new Gatehouse(options);
  } catch (error) {
    process.stderr.write(
      error instanceof DatabaseTooNewError ? `${error.message}\n` : `could not open the data dir ${options.dataDir}: ${(error as Error).message}\n`,
    );
    return 1;
  }
  let url: string;
  try {
    url = await gatehouse.start();
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE' || err.code === 'EACCES' || err.code === 'EADDRNOTAVAIL') {
      const hint = err.code === 'EADDRINUSE' ? ' is in use; is Gatehouse already running? Pick another with --port' : `: ${err.message}`;
      process.stderr.write(`could not listen on port ${options.port ?? 4000}${hint}\n`);
    } else {
      process.stderr.write(`Gatehouse could not start: ${err.message}\n`);
    }
    await gatehouse.stop();
    return 1;
  }
  process.stdout.write(`Gatehouse listening on ${url}\n`);
  process.stdout.write(`Dashboard: ${url}/ui/\n`);
  if (!options.masterKey) {
    process.stdout.write(`Master key${gatehouse.masterKeyCreated ? ' (new)' : ''}: ${gatehouse.masterKey}\n`);
  }
  process.stdout.write(`Data dir: ${options.dataDir}\n`);
  let stopping = false;
  // One more line once the servers have started (or failed): headless, this is the progress.
  void gatehouse.serversSettled(SERVERS_REPORT_AFTER_MS).then(
    (servers) => stopping || process.stdout.write(describeServers(servers, url, performance.now())),
    () => undefined,
  );
  return new Promise((resolve) => {
    const shutdown = (signal: string) => {
      stopping = true;
      process.stderr.write(`${signal}: stopping servers…\n`);
      gatehouse.stop().then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    // Closing the terminal: stop cleanly too, so the log is flushed.
    process.once('SIGHUP', () => shutdown('SIGHUP'));
  });
}

/**
 * What `serve` prints once its servers have settled: how many are ready, `msSinceStart` after
 * the process started, and each one that is not, with its error and where to look next.
 */
export function describeServers(servers: ServerView[], url: string, msSinceStart: number): string {
  if (!servers.length) return `No MCP servers yet: add one in the dashboard (${url}/ui/) or with POST /api/servers.\n`;
  const enabled = servers.filter((server) => server.enabled);
  const disabled = servers.length - enabled.length;
  const disabledNote = disabled ? `; ${disabled} disabled` : '';
  if (!enabled.length) return `Servers: none enabled${disabledNote}. Enable them in the dashboard (${url}/ui/).\n`;
  const notReady = enabled.filter((server) => server.status !== 'ready');
  const lines = [`Servers: ${enabled.length - notReady.length} of ${enabled.length} ready ${(msSinceStart / 1000).toFixed(2)} s after start${disabledNote}`];
  for (const server of notReady) {
    const error = server.error ? `: ${server.error.split('\n')[0].slice(0, 300)}` : '';
    // `starting` with an error: it failed and is waiting to retry.
    const state = server.status !== 'starting' ? server.status : server.error ? 'failed' : 'still starting';
    lines.push(`  ${server.name}: ${state}${error}`);
  }
  if (notReady.length) lines.push(`  Their last stderr lines are in the dashboard (${url}/ui/) and in GET /api/servers.`);
  return `${lines.join('\n')}\n`;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
