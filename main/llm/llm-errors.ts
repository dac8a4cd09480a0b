/** An error of the `/v1` surface, answered in OpenAI's shape `{"error":{"message","type","code","param"}}`. */
export class V1Error extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly code: string | null,
    readonly param: string | null = null,
  ) {
    super(message);
  }
}
