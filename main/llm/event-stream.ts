import type { ServerResponse } from 'node:http';

/**
 * An SSE answer that holds its events until the upstream model has started answering, so an
 * upstream failure before that can still be a real HTTP error instead of a 200 with a broken
 * stream. `open()` sends the headers and what was held; after it, events go out at once.
 */
export class HeldEventStream {
  private held: string[] | null = [];
  private corked = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly format: (event: Record<string, unknown>) => string,
  ) {}

  /** Whether the headers have gone out (no HTTP error possible any more). */
  get opened(): boolean {
    return this.held === null;
  }

  push(event: Record<string, unknown>): void {
    const frame = this.format(event);
    if (this.held) this.held.push(frame);
    else if (!this.res.destroyed) {
      // Events of one turn of the event loop (one upstream chunk) leave in one write.
      if (!this.corked) {
        this.corked = true;
        this.res.cork();
        process.nextTick(() => {
          this.corked = false;
          this.res.uncork();
        });
      }
      this.res.write(frame);
    }
  }

  open(): void {
    if (!this.held) return;
    const frames = this.held;
    this.held = null;
    this.res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    if (frames.length) this.res.write(frames.join(''));
  }

  /** Ends the stream (with a final frame, such as `data: [DONE]`). */
  end(last?: string): void {
    this.open();
    if (this.res.destroyed) return;
    this.res.end(last);
  }
}

/** Responses API events: `event: type` and the JSON. */
export const responsesFrame = (event: Record<string, unknown>) => `event: ${String(event.type)}\ndata: ${JSON.stringify(event)}\n\n`;

/** Chat Completions chunks: `data:` lines only. */
export const chatFrame = (event: Record<string, unknown>) => `data: ${JSON.stringify(event)}\n\n`;
