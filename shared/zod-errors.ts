import type { z } from 'zod';

/** A zod validation error, recognised without loading zod (it loads only when input is checked). */
export function isZodError(error: unknown): error is z.ZodError {
  return error instanceof Error && error.name === 'ZodError' && Array.isArray((error as { issues?: unknown }).issues);
}

/** Turns a zod error into one readable sentence for an API answer. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      // A bad record key says only "Invalid key in record"; its own issues say why.
      const inner = issue.code === 'invalid_key' ? issue.issues.map((sub) => sub.message).join(', ') : '';
      return `${issue.path.length ? issue.path.join('.') : 'body'}: ${inner ? `${issue.message} (${inner})` : issue.message}`;
    })
    .join('; ');
}
