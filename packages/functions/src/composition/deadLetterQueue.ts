import { S3Client } from "@aws-sdk/client-s3";
import { S3OffloadedBodies, SqsDeadLetterQueue } from "@pipeline/adapters/sqs";
import type { Infrastructure } from "./infrastructure.js";

const LOCAL_ENGINE_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

/** S3, or the local engine that speaks its API. */
export function s3ClientFromConfig(config: { AWS_REGION: string; S3_ENDPOINT: string | undefined }): S3Client {
  return new S3Client({
    region: config.AWS_REGION,
    ...(config.S3_ENDPOINT ? { endpoint: config.S3_ENDPOINT, forcePathStyle: true, credentials: LOCAL_ENGINE_CREDENTIALS } : {}),
  });
}

/** A function's dead-letter queue: a body too large to park with its reason goes to the media bucket's `dead-letters/`. */
export function deadLetterQueue(
  infra: Infrastructure,
  config: { AWS_REGION: string; S3_ENDPOINT: string | undefined; MEDIA_BUCKET: string },
  dlqUrl: string,
  s3: S3Client = s3ClientFromConfig(config),
): SqsDeadLetterQueue {
  return new SqsDeadLetterQueue(infra.sqs, dlqUrl, { bodies: new S3OffloadedBodies(s3, config.MEDIA_BUCKET) });
}
