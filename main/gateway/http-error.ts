/** Error codes of the admin API (`{"error":{"message","code"}}`). */
export const ERROR_CODES = {
  badRequest: 'bad_request',
  unauthorized: 'unauthorized',
  forbidden: 'forbidden',
  notFound: 'not_found',
  conflict: 'conflict',
  tooLarge: 'payload_too_large',
  unsupportedMediaType: 'unsupported_media_type',
  internal: 'internal_error',
  unavailable: 'unavailable',
} as const;

/** One error type for every route; turned into a response in one place (http-server.ts). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: (typeof ERROR_CODES)[keyof typeof ERROR_CODES],
    message: string,
  ) {
    super(message);
  }
}
