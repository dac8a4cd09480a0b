import type Database from 'better-sqlite3';
import type { ToolApproval } from '../../shared/types';

/** A tool's switches; tools without a row are enabled and never ask. */
export interface ToolSetting {
  server: string;
  tool: string;
  enabled: boolean;
  approval: ToolApproval;
}

/** The `tool_settings` table. */
export class ToolSettingRepository {
  constructor(private readonly db: Database.Database) {}

  list(): ToolSetting[] {
    const rows = this.db.prepare('SELECT server, tool, enabled, approval FROM tool_settings').all() as Array<
      Omit<ToolSetting, 'enabled'> & { enabled: number }
    >;
    return rows.map((row) => ({ ...row, enabled: row.enabled === 1 }));
  }

  save(setting: ToolSetting): void {
    this.db
      .prepare(
        `INSERT INTO tool_settings (server, tool, enabled, approval) VALUES (?, ?, ?, ?)
         ON CONFLICT(server, tool) DO UPDATE SET enabled = excluded.enabled, approval = excluded.approval`,
      )
      .run(setting.server, setting.tool, setting.enabled ? 1 : 0, setting.approval);
  }
}
