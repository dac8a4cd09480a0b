/** A provider as the admin API shows it (the API key is write-only). */
export interface ProviderView {
  id: string;
  name: string;
  baseUrl: string;
  api: 'chat' | 'responses';
  models: string[];
  aliases: Record<string, string>;
  hasApiKey: boolean;
  createdAt: string;
}

/** Ready-made settings for common OpenAI-compatible endpoints. */
export const PROVIDER_PRESETS = [
  { preset: 'openai', name: 'openai', baseUrl: 'https://api.openai.com/v1', api: 'responses', models: ['gpt-5', 'gpt-5-mini', 'gpt-4.1'], needsKey: true },
  { preset: 'anthropic', name: 'anthropic', baseUrl: 'https://api.anthropic.com/v1/', api: 'chat', models: ['claude-sonnet-4-5', 'claude-haiku-4-5'], needsKey: true },
  { preset: 'gemini', name: 'gemini', baseUrl: 'https://generativelanguage.googleapis.com/v1beta/openai/', api: 'chat', models: ['gemini-2.5-flash', 'gemini-2.5-pro'], needsKey: true },
  { preset: 'openrouter', name: 'openrouter', baseUrl: 'https://openrouter.ai/api/v1', api: 'chat', models: [], needsKey: true },
  { preset: 'groq', name: 'groq', baseUrl: 'https://api.groq.com/openai/v1', api: 'chat', models: [], needsKey: true },
  { preset: 'ollama', name: 'ollama', baseUrl: 'http://127.0.0.1:11434/v1', api: 'chat', models: [], needsKey: false },
  { preset: 'lmstudio', name: 'lmstudio', baseUrl: 'http://127.0.0.1:1234/v1', api: 'chat', models: [], needsKey: false },
] as const;
