import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../main/store/database';
import { LogRepository } from '../../main/store/log-repository';

type LogRowToWrite = Parameters<LogRepository['insertMany']>[0][number];

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function row(index: number): LogRowToWrite {
  return {
    entry: {
      ts: new Date(Date.UTC(2026, 10, 29, 12, 0, 0, index)).toISOString(),
      surface: 'mcp',
      key: index % 3 ? 'laptop' : null,
      server: `server${index % 4}`,
      tool: `tool${index}`,
      arguments: {},
      result: {},
      isError: index % 5 === 0,
      durationMs: index / 10,
    },
    argumentsJson: JSON.stringify({ n: index }),
    resultJson: JSON.stringify({ content: [{ type: 'text', text: `answer ${index}` }] }),
  };
}

describe('the tool log table (real SQLite file)', () => {
  it('writes batches of any size in one transaction each and returns each row its own id', () => {
    const db = openDatabase(dir);
    try {
      const logs = new LogRepository(db);
      let next = 0;
      const written = new Map<number, number>();
      for (const size of [1, 49, 50, 51, 123, 0, 7]) {
        const rows = Array.from({ length: size }, () => row(next++));
        const ids = logs.insertMany(rows);
        expect(ids).toHaveLength(size);
        ids.forEach((id, index) => written.set(id, Number(rows[index].entry.tool.slice(4))));
      }
      expect(written.size).toBe(next);
      const stored = logs.query({ limit: 1000 });
      expect(stored).toHaveLength(next);
      for (const entry of stored) {
        const index = written.get(entry.id)!;
        expect(entry.tool).toBe(`tool${index}`);
        expect(entry.arguments).toEqual({ n: index });
        expect(entry.result).toEqual({ content: [{ type: 'text', text: `answer ${index}` }] });
        expect(entry.isError).toBe(index % 5 === 0);
        expect(entry.key).toBe(index % 3 ? 'laptop' : null);
        expect(entry.durationMs).toBe(index / 10);
      }
    } finally {
      db.close();
    }
  });
});
