// What an update or delete asks of the current version (the HTTP edge builds it from If-Match).
export interface EtagCondition {
  /** Whether `etag`, the current stored ETag, is one the caller expects. */
  matches(etag: string): boolean;
  /** The caller's condition as given, for messages. */
  readonly describe: string;
}
