import type Database from 'better-sqlite3';
import type { SecretBox } from './secret-box';

/** An upstream LLM provider as stored (key in clear here, sealed on disk). */
export interface ProviderRecord {
  id: string;
  name: string;
  baseUrl: string;
  apiKey: string;
  api: 'chat' | 'responses';
  models: string[];
  aliases: Record<string, string>;
  createdAt: string;
}

interface ProviderRow {
  id: string;
  name: string;
  base_url: string;
  api_key: string;
  api: 'chat' | 'responses';
  models: string;
  aliases: string;
  created_at: string;
}

/** The `providers` table; API keys are sealed with the secret box. */
export class ProviderRepository {
  constructor(
    private readonly db: Database.Database,
    private readonly secrets: SecretBox,
  ) {}

  list(): ProviderRecord[] {
    return (this.db.prepare('SELECT * FROM providers ORDER BY created_at').all() as ProviderRow[]).map((row) => this.fromRow(row));
  }

  get(id: string): ProviderRecord | null {
    const row = this.db.prepare('SELECT * FROM providers WHERE id = ?').get(id) as ProviderRow | undefined;
    return row ? this.fromRow(row) : null;
  }

  save(provider: ProviderRecord): void {
    this.db
      .prepare(
        `INSERT INTO providers (id, name, base_url, api_key, api, models, aliases, created_at)
         VALUES (@id, @name, @baseUrl, @apiKey, @api, @models, @aliases, @createdAt)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, base_url = excluded.base_url, api_key = excluded.api_key,
           api = excluded.api, models = excluded.models, aliases = excluded.aliases`,
      )
      .run({
        ...provider,
        apiKey: provider.apiKey ? this.secrets.encrypt(provider.apiKey) : '',
        models: JSON.stringify(provider.models),
        aliases: JSON.stringify(provider.aliases),
      });
  }

  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM providers WHERE id = ?').run(id).changes > 0;
  }

  private fromRow(row: ProviderRow): ProviderRecord {
    return {
      id: row.id,
      name: row.name,
      baseUrl: row.base_url,
      apiKey: row.api_key ? this.secrets.decrypt(row.api_key) : '',
      api: row.api,
      models: JSON.parse(row.models) as string[],
      aliases: JSON.parse(row.aliases) as Record<string, string>,
      createdAt: row.created_at,
    };
  }
}
