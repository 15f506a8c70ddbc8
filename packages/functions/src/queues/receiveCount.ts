import type { SQSRecord } from "aws-lambda";

export function receiveCount(record: SQSRecord): number {
  const count = Number(record.attributes.ApproximateReceiveCount);
  return Number.isFinite(count) && count >= 1 ? count : 1;
}
