/**
 * Runs `tick` now and then every `intervalMs` after the previous run ended, skipping runs while
 * the page is hidden. Returns the function that stops it.
 */
export function poll(tick: () => Promise<unknown>, intervalMs: number): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = async () => {
    if (stopped) return;
    if (typeof document === 'undefined' || !document.hidden) await tick().catch(() => undefined);
    if (!stopped) timer = setTimeout(run, intervalMs);
  };
  void run();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
