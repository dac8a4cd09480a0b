/** autocannon ships no types; the harness uses only its programmatic entry (see load.ts). */
declare module 'autocannon' {
  function autocannon(options: Record<string, unknown>, callback: (error: Error | null, result: unknown) => void): { stop(): void };
  export = autocannon;
}
