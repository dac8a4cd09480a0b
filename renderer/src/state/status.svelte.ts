import type { ApiClient } from '../lib/api-client';
import { Snapshot } from './snapshot.svelte';

/** `GET /api/status`. */
export interface GatewayStatus {
  version: string;
  url: string;
  uptimeMs: number;
  secretStorage: { kind: string; warning: string | null };
  counts: { servers: number; ready: number; error: number; tools: number; sessions: number; keys: number };
}

/** The gateway's status for the overview. */
export class StatusState extends Snapshot<GatewayStatus | null> {
  constructor(api: ApiClient) {
    super(api, '/api/status', null);
  }
}
