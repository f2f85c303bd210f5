// The HTTP status a Cosmos SDK error carries (404, 409, 412...), or undefined for other errors.
export function cosmosStatus(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'number' ? err.code : undefined;
}
