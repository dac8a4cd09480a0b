/** What a snippet is filled with. */
export interface SnippetInput {
  /** The gateway's listen URL, e.g. http://127.0.0.1:4000. */
  url: string;
  key: string;
  /** A model name for the /v1 examples. */
  model: string;
}

/** One client's setup, ready to paste. */
export interface Snippet {
  id: string;
  label: string;
  /** Where it goes, shown above the code. */
  hint: string;
  language: 'json' | 'sh' | 'python' | 'js';
  code: string;
}

const PROMPT = 'Which tools can you use? Pick one and try it.';

/** The MCP tool entry of the /v1/responses examples: every tool the key may use. */
const MCP_TOOL = { type: 'mcp', server_label: 'gatehouse', server_url: 'litellm_proxy', require_approval: 'never' };

/** Setup snippets for Cursor, Claude Code, VS Code, the OpenAI SDKs and curl. */
export function buildSnippets({ url, key, model }: SnippetInput): Snippet[] {
  const mcp = `${url}/mcp`;
  const json = (value: unknown) => JSON.stringify(value, null, 2);
  return [
    {
      id: 'cursor',
      label: 'Cursor',
      hint: 'In ~/.cursor/mcp.json (or .cursor/mcp.json in a project):',
      language: 'json',
      code: json({ mcpServers: { Gatehouse: { url: mcp, headers: { 'x-litellm-api-key': `Bearer ${key}` } } } }),
    },
    {
      id: 'claude-code',
      label: 'Claude Code',
      hint: 'Run in a terminal:',
      language: 'sh',
      code: `claude mcp add --transport http gatehouse ${mcp} --header "Authorization: Bearer ${key}"`,
    },
    {
      id: 'vscode',
      label: 'VS Code',
      hint: 'In .vscode/mcp.json (or your user mcp.json):',
      language: 'json',
      code: json({ servers: { gatehouse: { type: 'http', url: mcp, headers: { Authorization: `Bearer ${key}` } } } }),
    },
    {
      id: 'python',
      label: 'OpenAI SDK (Python)',
      hint: 'pip install openai, then:',
      language: 'python',
      code: [
        'from openai import OpenAI',
        '',
        `client = OpenAI(base_url="${url}/v1", api_key="${key}")`,
        'response = client.responses.create(',
        `    model="${model}",`,
        `    input="${PROMPT}",`,
        `    tools=[{"type": "mcp", "server_label": "gatehouse", "server_url": "litellm_proxy", "require_approval": "never"}],`,
        ')',
        'print(response.output_text)',
      ].join('\n'),
    },
    {
      id: 'node',
      label: 'OpenAI SDK (Node)',
      hint: 'npm install openai, then in an ES module:',
      language: 'js',
      code: [
        "import OpenAI from 'openai';",
        '',
        `const client = new OpenAI({ baseURL: '${url}/v1', apiKey: '${key}' });`,
        'const response = await client.responses.create({',
        `  model: '${model}',`,
        `  input: '${PROMPT}',`,
        "  tools: [{ type: 'mcp', server_label: 'gatehouse', server_url: 'litellm_proxy', require_approval: 'never' }],",
        '});',
        'console.log(response.output_text);',
      ].join('\n'),
    },
    {
      id: 'curl',
      label: 'curl',
      hint: 'POST /v1/responses from a shell:',
      language: 'sh',
      code: [
        `curl ${url}/v1/responses \\`,
        `  -H "Authorization: Bearer ${key}" \\`,
        '  -H "Content-Type: application/json" \\',
        `  -d '${JSON.stringify({ model, input: PROMPT, tools: [MCP_TOOL] })}'`,
      ].join('\n'),
    },
  ];
}
