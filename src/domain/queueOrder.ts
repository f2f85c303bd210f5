// Queue order within a service is priority descending, then arrival ascending; the arrival part is
// this key, which stores order as text so one composite index (priority desc, enqueueOrder asc) serves it.

/** A sortable arrival key: zero-padded epoch milliseconds, then the task id to break ties. */
export function enqueueOrderKey(arrivedAt: Date, taskId: string): string {
  return `${String(arrivedAt.getTime()).padStart(15, '0')}-${taskId}`;
}
