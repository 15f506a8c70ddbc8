import { wiring, type FunctionName } from "@pipeline/wiring";
import mediaPackage from "../packages/media/package.json";
import { lambdaSettings, sendTo } from "./lambda";
import type { Queues } from "./queues";
import { settingsThatAreSet, type Secrets } from "./secrets";
import type { Storage } from "./storage";

type SubscriberArgs = Pick<sst.aws.FunctionArgs, "environment" | "link" | "permissions" | "nodejs">;

/**
 * The three queue functions. Each gets the environment its configuration reader asks for and the
 * permissions its code uses; receiving and deleting from its own queue comes with the subscription.
 */
export function subscribers(deps: { queues: Queues; storage: Storage; secrets: Secrets; webSocket: sst.aws.ApiGatewayWebSocket }) {
  const { queues, storage, secrets, webSocket } = deps;
  const { batches, uploads, progress } = queues;

  subscribe(queues, "fanout", {
    environment: {
      DATABASE_URL: secrets.databaseUrl.value,
      BATCHES_QUEUE_URL: batches.queue.url,
      BATCHES_DLQ_URL: batches.dlq.url,
      UPLOADS_QUEUE_URL: uploads.queue.url,
      PROGRESS_QUEUE_URL: progress.queue.url,
    },
    // One message per upload, a follow-up for a batch it could not finish in time, the batch's
    // first progress message, and bad batch messages parked with their reason.
    permissions: [sendTo(uploads.queue, batches.queue, progress.queue, batches.dlq)],
  });

  subscribe(queues, "worker", {
    environment: $resolve([
      $resolve({
        DATABASE_URL: secrets.databaseUrl.value,
        UPLOADS_QUEUE_URL: uploads.queue.url,
        UPLOADS_DLQ_URL: uploads.dlq.url,
        PROGRESS_QUEUE_URL: progress.queue.url,
        MEDIA_BUCKET: storage.media.name,
      }),
      settingsThatAreSet(secrets.ai),
    ]).apply(([required, ai]) => ({ ...required, ...ai })),
    permissions: [
      // The worker sets a failed message's backoff itself, besides what the event source mapping does.
      { actions: ["sqs:ChangeMessageVisibility"], resources: [uploads.queue.arn] },
      // Bad messages parked with their reason, progress reports, and its own messages requeued
      // (as new ones) while the database is unreachable.
      sendTo(uploads.dlq, progress.queue, uploads.queue),
      { actions: ["s3:GetObject", "s3:PutObject"], resources: [$interpolate`${storage.media.arn}/*`] },
      // Without ListBucket S3 answers a missing upload with 403 instead of 404, and the worker
      // would retry a file that will never appear instead of failing it at once.
      { actions: ["s3:ListBucket"], resources: [storage.media.arn] },
    ],
    // sharp loads a native binary: SST installs it for the Lambda's platform instead of bundling
    // it, at the version packages/media depends on.
    nodejs: { install: { sharp: mediaPackage.dependencies.sharp } },
  });

  subscribe(queues, "finalizer", {
    environment: {
      DATABASE_URL: secrets.databaseUrl.value,
      PROGRESS_QUEUE_URL: progress.queue.url,
      PROGRESS_DLQ_URL: progress.dlq.url,
      WS_MANAGEMENT_ENDPOINT: webSocket.managementEndpoint,
    },
    // Bad progress messages parked, and its own messages requeued while the database is unreachable.
    permissions: [sendTo(progress.dlq, progress.queue)],
    // The link grants execute-api:ManageConnections, for the pushes (PostToConnection).
    link: [webSocket],
  });
}

function subscribe(queues: Queues, name: FunctionName, args: SubscriberArgs) {
  const settings = wiring.functions[name];
  queues[settings.queue].queue.subscribe(
    { handler: settings.handler, ...lambdaSettings(settings), ...args },
    {
      batch: { size: settings.batchSize, window: `${settings.batchingWindowSeconds} seconds`, partialResponses: true },
      // Caps the pollers' invocations, which bounds the load on Postgres and the AI backend.
      transform: { eventSourceMapping: { scalingConfig: { maximumConcurrency: settings.maxConcurrency } } },
    },
  );
}
