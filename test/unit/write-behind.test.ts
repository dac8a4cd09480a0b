import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../main/store/database';
import { ResponseRepository, type StoredResponse } from '../../main/store/response-repository';
import { UsageRepository } from '../../main/store/usage-repository';
import { WriteBehind } from '../../main/store/write-behind';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function database() {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-write-behind-'));
  dirs.push(dir);
  return { dir, db: openDatabase(dir) };
}

const stored = (id: string): StoredResponse => ({
  id,
  keyId: null,
  model: 'm',
  response: { id, object: 'response', status: 'completed' },
  conversation: [{ role: 'user', content: 'hi' }],
  pendingApprovals: {},
  instructions: null,
});

const usage = { keyId: null, keyName: 'master', surface: 'responses' as const, provider: 'p', model: 'm', requestId: 'r', inputTokens: 3, outputTokens: 4, totalTokens: 7 };

describe('usage and stored responses written behind the answer (real SQLite file)', () => {
  it('a saved response is found at once, before its batch is committed, and is on disk after the flush', () => {
    const { dir, db } = database();
    const errors: unknown[] = [];
    const writer = new WriteBehind(db, (error) => errors.push(error), 60_000);
    const responses = new ResponseRepository(db, writer);
    responses.save(stored('resp_1'));
    expect(responses.get('resp_1')?.response).toMatchObject({ id: 'resp_1' });
    // Not committed yet: another connection to the same file does not see it.
    const other = openDatabase(dir);
    expect(new ResponseRepository(other).get('resp_1')).toBeNull();
    writer.flush();
    expect(new ResponseRepository(other).get('resp_1')?.conversation).toEqual([{ role: 'user', content: 'hi' }]);
    expect(errors).toEqual([]);
    other.close();
    db.close();
  });

  it('commits every queued row in one transaction, and usage totals read what is still queued', () => {
    const { db } = database();
    const writer = new WriteBehind(db, () => undefined, 60_000);
    const repository = new UsageRepository(db, writer);
    for (let index = 0; index < 5; index++) repository.record(usage);
    expect(repository.totalsByKey()).toEqual([{ keyId: null, requests: 5, inputTokens: 15, outputTokens: 20, totalTokens: 35 }]);
    db.close();
  });

  it('commits on its own after the delay', async () => {
    const { dir, db } = database();
    const writer = new WriteBehind(db, () => undefined, 20);
    new UsageRepository(db, writer).record(usage);
    const other = openDatabase(dir);
    const count = () => (other.prepare('SELECT COUNT(*) AS n FROM token_usage').get() as { n: number }).n;
    expect(count()).toBe(0);
    for (let attempt = 0; attempt < 50 && count() === 0; attempt++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(count()).toBe(1);
    other.close();
    db.close();
  });

  it('a failing batch is reported and leaves the rest of the process working', () => {
    const { db } = database();
    const errors: unknown[] = [];
    const writer = new WriteBehind(db, (error) => errors.push(error), 60_000);
    const responses = new ResponseRepository(db, writer);
    writer.add(() => {
      throw new Error('disk full');
    });
    responses.save(stored('resp_2'));
    writer.flush();
    expect(errors).toHaveLength(1);
    // The batch rolled back as a whole; the response is gone from the queue and the table.
    expect(responses.get('resp_2')).toBeNull();
    responses.save(stored('resp_3'));
    writer.flush();
    expect(responses.get('resp_3')).not.toBeNull();
    db.close();
  });
});
