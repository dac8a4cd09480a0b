/** Numbered schema migrations; index i takes the schema from version i to i + 1. Append only. */
export const MIGRATIONS: string[] = [
  `
  CREATE TABLE servers (
    name TEXT PRIMARY KEY,
    transport TEXT NOT NULL,
    command TEXT,
    args TEXT NOT NULL DEFAULT '[]',
    env TEXT NOT NULL DEFAULT '',
    cwd TEXT,
    url TEXT,
    headers TEXT NOT NULL DEFAULT '',
    enabled INTEGER NOT NULL DEFAULT 1,
    tool_timeout_ms INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE virtual_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    servers TEXT,
    tools TEXT,
    models TEXT,
    expires_at TEXT,
    created_at TEXT NOT NULL,
    last_used_at TEXT
  );
  CREATE TABLE tool_settings (
    server TEXT NOT NULL,
    tool TEXT NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1,
    approval TEXT NOT NULL DEFAULT 'never',
    PRIMARY KEY (server, tool)
  );
  CREATE TABLE tool_logs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts TEXT NOT NULL,
    surface TEXT NOT NULL,
    key TEXT,
    server TEXT NOT NULL,
    tool TEXT NOT NULL,
    arguments TEXT,
    result TEXT,
    is_error INTEGER NOT NULL,
    duration_ms REAL NOT NULL
  );
  CREATE INDEX tool_logs_ts ON tool_logs (ts);
  CREATE INDEX tool_logs_server_tool ON tool_logs (server, tool);
  CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  `,
  `
  CREATE TABLE providers (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    base_url TEXT NOT NULL,
    api_key TEXT NOT NULL DEFAULT '',
    api TEXT NOT NULL,
    models TEXT NOT NULL DEFAULT '[]',
    aliases TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
  );
  CREATE TABLE responses (
    id TEXT PRIMARY KEY,
    key_id TEXT,
    model TEXT NOT NULL,
    created_at TEXT NOT NULL,
    response TEXT NOT NULL,
    conversation TEXT NOT NULL,
    pending_approvals TEXT NOT NULL DEFAULT '{}',
    instructions TEXT
  );
  CREATE INDEX responses_created ON responses (created_at);
  CREATE TABLE token_usage (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts TEXT NOT NULL,
    key_id TEXT,
    key_name TEXT,
    surface TEXT NOT NULL,
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    request_id TEXT,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    total_tokens INTEGER NOT NULL
  );
  CREATE INDEX token_usage_key ON token_usage (key_id, ts);
  `,
];
