import type { ToolApproval, ToolView } from '../../../shared/types';
import type { ApiClient } from '../lib/api-client';
import { Snapshot } from './snapshot.svelte';

/** The result of a tool call (MCP CallToolResult). */
export interface CallResult {
  content?: Array<{ type: string; text?: string; data?: string; mimeType?: string; [key: string]: unknown }>;
  structuredContent?: unknown;
  isError?: boolean;
}

/** Every tool of every ready server, with its switches. */
export class ToolsState extends Snapshot<ToolView[]> {
  constructor(api: ApiClient) {
    super(api, '/api/tools', []);
  }

  /** Switches a tool on or off for every client. */
  async setEnabled(name: string, enabled: boolean): Promise<void> {
    await this.patch(name, { enabled });
  }

  /** `always`: calls wait on the Approvals page; `never`: they run at once. */
  async setApproval(name: string, approval: ToolApproval): Promise<void> {
    await this.patch(name, { approval });
  }

  /** Calls a tool as the dashboard (logged with surface `dashboard`). */
  call(name: string, args: Record<string, unknown>): Promise<CallResult> {
    return this.api.post<CallResult>(`/api/tools/${encodeURIComponent(name)}/call`, { arguments: args });
  }

  private async patch(name: string, patch: Partial<Pick<ToolView, 'enabled' | 'approval'>>): Promise<void> {
    const view = await this.api.patch<ToolView>(`/api/tools/${encodeURIComponent(name)}`, patch);
    this.value = this.value.map((tool) => (tool.name === name ? view : tool));
  }
}
