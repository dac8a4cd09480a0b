import type Database from 'better-sqlite3';
import type { LogEntry, Surface } from '../../shared/types';

/** A log entry before it has an id. */
export type NewLogEntry = Omit<LogEntry, 'id'>;

/** Filters of `GET /api/logs`. */
export interface LogQuery {
  limit: number;
  before?: number;
  server?: string;
  tool?: string;
  key?: string;
  status?: 'ok' | 'error';
}

interface LogRow {
  id: number;
  ts: string;
  surface: Surface;
  key: string | null;
  server: string;
  tool: string;
  arguments: string | null;
  result: string | null;
  is_error: number;
  duration_ms: number;
}

/** The `tool_logs` table. Arguments and results arrive already redacted and cut. */
export class LogRepository {
  private readonly insertStatement;

  constructor(private readonly db: Database.Database) {
    this.insertStatement = db.prepare(
      `INSERT INTO tool_logs (ts, surface, key, server, tool, arguments, result, is_error, duration_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  /**
   * Writes a batch in one transaction and returns the new ids, in order. Arguments and result
   * come serialised (the log bus has the JSON already: it measured it to cut it).
   */
  insertMany(rows: Array<{ entry: NewLogEntry; argumentsJson: string; resultJson: string }>): number[] {
    return this.db.transaction(() =>
      rows.map(({ entry, argumentsJson, resultJson }) =>
        Number(
          this.insertStatement.run(
            entry.ts,
            entry.surface,
            entry.key,
            entry.server,
            entry.tool,
            argumentsJson,
            resultJson,
            entry.isError ? 1 : 0,
            entry.durationMs,
          ).lastInsertRowid,
        ),
      ),
    )();
  }

  /** Newest first. */
  query(query: LogQuery): LogEntry[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.before !== undefined) (where.push('id < ?'), params.push(query.before));
    if (query.server) (where.push('server = ?'), params.push(query.server));
    if (query.tool) (where.push('tool = ?'), params.push(query.tool));
    if (query.key) (where.push('key = ?'), params.push(query.key));
    if (query.status) (where.push('is_error = ?'), params.push(query.status === 'error' ? 1 : 0));
    const sql = `SELECT * FROM tool_logs ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...params, query.limit) as LogRow[];
    return rows.map(fromRow);
  }

  /** Keeps at most `maxCount` rows, none older than `maxAgeDays`. Returns how many went. */
  prune(maxCount: number, maxAgeDays: number): number {
    const cutoff = new Date(Date.now() - maxAgeDays * 86_400_000).toISOString();
    const byAge = this.db.prepare('DELETE FROM tool_logs WHERE ts < ?').run(cutoff).changes;
    const byCount = this.db
      .prepare('DELETE FROM tool_logs WHERE id <= (SELECT id FROM tool_logs ORDER BY id DESC LIMIT 1 OFFSET ?)')
      .run(maxCount).changes;
    return byAge + byCount;
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM tool_logs').get() as { n: number }).n;
  }
}

function fromRow(row: LogRow): LogEntry {
  return {
    id: row.id,
    ts: row.ts,
    surface: row.surface,
    key: row.key,
    server: row.server,
    tool: row.tool,
    arguments: row.arguments === null ? null : (JSON.parse(row.arguments) as unknown),
    result: row.result === null ? null : (JSON.parse(row.result) as unknown),
    isError: row.is_error === 1,
    durationMs: row.duration_ms,
  };
}
