import { S3Client } from "@aws-sdk/client-s3";
import { S3OffloadedBodies, SqsDeadLetterQueue } from "@pipeline/adapters/sqs";
import type { Infrastructure } from "./infrastructure.js";

/**
 * S3, or the local engine that speaks its API. Credentials come from the environment, as Lambda's
 * execution role provides them (the local stack's key pair locally).
 */
export function s3ClientFromConfig(config: { AWS_REGION: string; S3_ENDPOINT: string | undefined }): S3Client {
  return new S3Client({
    region: config.AWS_REGION,
    ...(config.S3_ENDPOINT ? { endpoint: config.S3_ENDPOINT, forcePathStyle: true } : {}),
  });
}

/** A function's dead-letter queue: a body too large to park with its reason goes to the media bucket's `dead-letters/`. */
export function deadLetterQueue(
  infra: Infrastructure,
  config: { AWS_REGION: string; S3_ENDPOINT: string | undefined; MEDIA_BUCKET: string },
  dlqUrl: string,
  s3: S3Client = infra.s3 ?? s3ClientFromConfig(config),
): SqsDeadLetterQueue {
  return new SqsDeadLetterQueue(infra.sqs, dlqUrl, { bodies: new S3OffloadedBodies(s3, config.MEDIA_BUCKET) });
}
