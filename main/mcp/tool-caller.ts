import { ErrorCode, McpError, isMcpError, type Progress } from './protocol';
import type { Surface } from '../../shared/types';
import type { LogBus } from '../logs/log-bus';
import { redact } from '../../shared/redact';
import type { ApprovalQueue } from './approval-queue';
import type { CancelSignal } from './cancel';
import type { Catalog, ToolEntry } from './catalog';
import type { DownstreamPeer } from './connection';

/** Who is calling and how to reach back to them. */
export interface CallContext {
  surface: Surface;
  /** Name of the key used (never the key). */
  keyName: string | null;
  /** Aborted when the caller cancels or goes away; the upstream call is then cancelled. */
  signal?: CancelSignal;
  /** Called with upstream progress, already mapped to the caller's own token by the caller. */
  onprogress?: (progress: Progress) => void;
  /** Where upstream sampling/elicitation/logging during the call goes. */
  peer?: DownstreamPeer;
  /** The caller's `_meta`, passed upstream (minus its progress token, which the SDK replaces). */
  meta?: Record<string, unknown>;
  /** The MCP client's name, when known (shown when a call waits for approval). */
  client?: string | null;
}

/** An MCP `CallToolResult` as the upstream sent it. */
export type ToolResult = Record<string, unknown>;

/**
 * Runs one tool call on its server for any surface (/mcp, /v1, dashboard), with the server's
 * timeout, cancellation, progress, and one log entry on the way out.
 */
export class ToolCaller {
  constructor(
    private readonly catalog: Catalog,
    private readonly logs: LogBus,
    private readonly approvals: ApprovalQueue,
    private readonly secrets: () => ReadonlySet<string>,
  ) {}

  async call(entry: ToolEntry, args: Record<string, unknown> | undefined, context: CallContext): Promise<ToolResult> {
    const started = performance.now();
    let result: ToolResult | undefined;
    let failure: unknown;
    try {
      if (entry.approval === 'always') {
        const refused = await this.askPerson(entry, args, context);
        if (refused) return (result = refused);
      }
      const connection = this.catalog.connection(entry.server);
      if (!connection) throw new McpError(ErrorCode.InternalError, `server ${entry.server} is not ready; check its status in Gatehouse`);
      const meta = context.meta ? { ...context.meta } : undefined;
      if (meta) delete meta.progressToken;
      const params: Record<string, unknown> = { name: entry.tool.name, arguments: args ?? {} };
      if (meta && Object.keys(meta).length) params._meta = meta;
      result = await connection.withPeer(context.peer, () =>
        connection.request('tools/call', params, {
          timeout: connection.config.toolTimeoutMs,
          signal: context.signal,
          onprogress: context.onprogress,
        }),
      );
      return result;
    } catch (error) {
      failure = error;
      throw describeCallError(error, entry, context.signal);
    } finally {
      this.logs.record({
        ts: new Date().toISOString(),
        surface: context.surface,
        key: context.keyName,
        server: entry.server,
        tool: entry.tool.name,
        arguments: args ?? {},
        result: result ?? { error: failure instanceof Error ? failure.message : String(failure) },
        isError: failure !== undefined || result?.isError === true,
        durationMs: Math.round((performance.now() - started) * 100) / 100,
      });
    }
  }

  /** Waits for a person's decision; returns the result to answer with when it is not an approval. */
  private async askPerson(entry: ToolEntry, args: Record<string, unknown> | undefined, context: CallContext): Promise<ToolResult | null> {
    const outcome = await this.approvals.wait(
      {
        tool: entry.name,
        server: entry.server,
        key: context.keyName,
        client: context.client ?? null,
        surface: context.surface,
        arguments: redact(args ?? {}, this.secrets()),
      },
      context.signal,
    );
    if (outcome === 'approve') return null;
    if (outcome === 'deny') return notApproved(`Gatehouse: a person denied this call to ${entry.name}.`);
    if (outcome === 'timeout') return notApproved(`Gatehouse: nobody approved this call to ${entry.name} in time; it was not run. Ask the user to approve it in the Gatehouse dashboard.`);
    throw new McpError(ErrorCode.RequestTimeout, 'the call was cancelled while waiting for approval');
  }
}

/** What a call that was not approved returns: a tool error the agent can read. */
function notApproved(text: string): ToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}

/** Turns an upstream failure into an error that tells the caller what happened. */
function describeCallError(error: unknown, entry: ToolEntry, signal?: CancelSignal): McpError {
  if (signal?.aborted) return new McpError(ErrorCode.RequestTimeout, 'the call was cancelled');
  if (isMcpError(error)) {
    if (error.code === ErrorCode.RequestTimeout) {
      return new McpError(ErrorCode.RequestTimeout, `${entry.name} timed out; the server's toolTimeoutMs can be raised in Gatehouse`);
    }
    if (error.code === ErrorCode.ConnectionClosed) {
      return new McpError(ErrorCode.InternalError, `server ${entry.server} stopped during the call; see its status and last stderr lines in Gatehouse`);
    }
    return error;
  }
  return new McpError(ErrorCode.InternalError, error instanceof Error ? error.message : String(error));
}
