export const QUEUE_NAMES = ["batches", "uploads", "progress"] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];
