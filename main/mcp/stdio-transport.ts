import type { ChildProcess } from 'node:child_process';
import spawn from 'cross-spawn';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { OrphanGuard } from './orphan-guard';

/** Lines of stderr kept per child for the API. */
export const STDERR_LINES_KEPT = 50;
/** Each step of the stop ladder: stdin closed → SIGTERM → SIGKILL. */
export const STOP_STEP_MS = 2_000;
/** After the child exits, how long its last output may take to be read before the transport closes. */
const DRAIN_MS = 1_000;
/** How long grandchildren left in the group get after SIGTERM before SIGKILL. */
const GROUP_GRACE_MS = 1_000;

/** What to start. */
export interface StdioSpawnOptions {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * An MCP transport over a child process's stdio. Unlike the SDK's, it puts the child in its own
 * process group and stops the whole group, since `npx`/`uvx` leave grandchildren behind, and
 * it keeps the last stderr lines for the API.
 */
export class ChildStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  /** Last stderr lines, oldest first. */
  readonly stderrLines: string[] = [];
  private child: ChildProcess | null = null;
  private readonly readBuffer = new ReadBuffer();
  private stderrPartial = '';
  /** The process has exited. */
  private exited: Promise<void> = Promise.resolve();
  /** The process has exited and its stdio is closed (all its output read). */
  private drained: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly options: StdioSpawnOptions,
    private readonly guard: OrphanGuard,
  ) {}

  /** Process id of the child, while it runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const useGroup = process.platform !== 'win32';
      const child = spawn(this.options.command, this.options.args, {
        env: this.options.env,
        cwd: this.options.cwd,
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: useGroup,
        windowsHide: true,
        shell: false,
      });
      this.child = child;
      this.exited = new Promise((done) => child.once('exit', () => done()));
      this.drained = new Promise((done) => child.once('close', () => done()));
      child.once('error', (error) => {
        reject(error);
        this.onerror?.(error);
        this.finish();
      });
      child.once('spawn', () => {
        if (useGroup && child.pid) this.guard.add(child.pid);
        resolve();
      });
      child.once('exit', (code, signal) => {
        // Grandchildren left in the group could hold the pipes open: stop them.
        if (!this.closed && child.pid) this.reapGroup(child.pid);
        // 'exit' may come before the last stdout/stderr chunks: read them first, so the last
        // stderr lines (the reason for a crash) are there when the close is handled.
        void waitFor(this.drained, DRAIN_MS).then(() => {
          if (this.stderrPartial) this.pushStderr('\n');
          if (!this.closed) this.pushStderr(`[process exited with ${signal ?? `code ${code}`}]\n`);
          this.finish();
        });
      });
      child.stdin?.on('error', (error) => this.onerror?.(error));
      child.stdout?.on('data', (chunk: Buffer) => {
        this.readBuffer.append(chunk);
        this.drain();
      });
      child.stderr?.on('data', (chunk: Buffer) => this.pushStderr(chunk.toString('utf8')));
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      const stdin = this.child?.stdin;
      if (!stdin || !stdin.writable) return reject(new Error('the server process is not running'));
      if (stdin.write(serializeMessage(message))) resolve();
      else stdin.once('drain', resolve);
    });
  }

  /** The stop ladder: close stdin, then SIGTERM the group, then SIGKILL it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const child = this.child;
    if (!child?.pid) return this.finish();
    const pid = child.pid;
    const running = () => child.exitCode === null && child.signalCode === null;
    child.stdin?.end();
    await waitFor(this.exited, STOP_STEP_MS);
    // Even when the child has gone, grandchildren may be left in its group.
    this.signalGroup(pid, 'SIGTERM');
    await waitFor(this.exited, STOP_STEP_MS);
    await this.waitGroupGone(pid, running() ? 0 : GROUP_GRACE_MS);
    if (running() || this.groupAlive(pid)) {
      this.signalGroup(pid, 'SIGKILL');
      await waitFor(this.exited, STOP_STEP_MS);
    }
    await waitFor(this.drained, DRAIN_MS);
    this.guard.remove(pid);
    this.finish();
  }

  private drain(): void {
    for (;;) {
      let message: JSONRPCMessage | null;
      try {
        message = this.readBuffer.readMessage();
      } catch (error) {
        this.onerror?.(error as Error);
        continue;
      }
      if (!message) return;
      this.onmessage?.(message);
    }
  }

  private pushStderr(text: string): void {
    const lines = (this.stderrPartial + text).split(/\r?\n/);
    this.stderrPartial = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) this.stderrLines.push(line.slice(0, 1000));
    if (this.stderrLines.length > STDERR_LINES_KEPT) this.stderrLines.splice(0, this.stderrLines.length - STDERR_LINES_KEPT);
  }

  private signalGroup(pid: number, signal: NodeJS.Signals): void {
    try {
      if (process.platform === 'win32') {
        spawn('taskkill', ['/pid', String(pid), '/T', '/F'], { windowsHide: true, stdio: 'ignore' });
      } else {
        process.kill(-pid, signal);
      }
    } catch {
      // ESRCH: the group is already gone.
    }
  }

  /** A child that died on its own may leave grandchildren in its group: stop them too. */
  private reapGroup(pid: number): void {
    this.signalGroup(pid, 'SIGTERM');
    setTimeout(() => {
      this.signalGroup(pid, 'SIGKILL');
      this.guard.remove(pid);
    }, STOP_STEP_MS).unref();
  }

  /** Polls until nothing is left in the group, for at most `ms`. */
  private async waitGroupGone(pid: number, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.groupAlive(pid) && Date.now() < deadline) await delay(50);
  }

  private groupAlive(pid: number): boolean {
    if (process.platform === 'win32') return false;
    try {
      process.kill(-pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  private finish(): void {
    const child = this.child;
    if (!child) return;
    this.child = null;
    child.stdout?.removeAllListeners('data');
    this.readBuffer.clear();
    this.onclose?.();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function waitFor(promise: Promise<void>, ms: number): Promise<void> {
  return Promise.race([promise, delay(ms)]);
}
