// Queue order within a service: priority descending, then arrival ascending.

/** A sortable arrival key: zero-padded epoch milliseconds, then the task id to break ties. */
export function enqueueOrderKey(arrivedAt: Date, taskId: string): string {
  return `${String(arrivedAt.getTime()).padStart(15, '0')}-${taskId}`;
}

export interface QueuedItem {
  readonly taskId: string;
  readonly priority: number;
  readonly enqueueOrder: string;
}

/** Negative when `a` is offered before `b`. */
export function compareQueueOrder(a: QueuedItem, b: QueuedItem): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  return a.enqueueOrder < b.enqueueOrder ? -1 : a.enqueueOrder > b.enqueueOrder ? 1 : 0;
}

/** Whether `a` waits ahead of `b`. */
export function isAhead(a: QueuedItem, b: QueuedItem): boolean {
  return compareQueueOrder(a, b) < 0;
}
