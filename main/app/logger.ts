import { redactText } from '../../shared/redact';

/** A module-tagged logger; everything it prints is redacted. */
export type Logger = (message: string) => void;

/** Writes `time [module] message` lines to stderr (stdout is for the ready line and the key). */
export function createLogger(module: string, secrets: () => ReadonlySet<string> = () => new Set()): Logger {
  return (message) => {
    if (process.env.GATEHOUSE_QUIET === '1') return;
    process.stderr.write(`${new Date().toISOString()} [${module}] ${redactText(message, secrets())}\n`);
  };
}
