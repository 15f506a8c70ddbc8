import { objectKeys, wiring, type FunctionName } from "@pipeline/wiring";
import mediaPackage from "../packages/media/package.json";
import { lambdaSettings, parkLargeDeadLetters, sendTo } from "./lambda";
import { environment, secretLinks, type DeployedResources } from "./environment";

type SubscriberArgs = Pick<sst.aws.FunctionArgs, "permissions" | "nodejs"> & { link?: unknown[] };

/**
 * The three queue functions. Each gets the environment its configuration reader asks for, the
 * secrets it reads linked, and the permissions its code uses; receiving and deleting from its own
 * queue comes with the subscription. Returns each function's role ARN (the queues' policies admit them).
 */
export function subscribers(resources: DeployedResources): Record<FunctionName, $util.Output<string>> {
  const { queues, storage, webSocket } = resources;
  const { batches, uploads, progress } = queues;

  const fanout = subscribe(resources, "fanout", {
    // A window of upload messages, the batch's first progress message, its own messages requeued
    // while the database is unreachable, and bad batch messages parked with their reason.
    permissions: [sendTo(uploads.queue, batches.queue, progress.queue, batches.dlq), parkLargeDeadLetters(storage.media)],
  });

  const worker = subscribe(resources, "worker", {
    permissions: [
      // The worker sets a failed message's backoff itself, besides what the event source mapping does.
      { actions: ["sqs:ChangeMessageVisibility"], resources: [uploads.queue.arn] },
      // Bad messages parked with their reason, progress reports, the window's refills and its own
      // messages requeued (as new ones) while the database is unreachable, and a delayed batch
      // message when a redelivery suggests a refill was lost.
      sendTo(uploads.dlq, progress.queue, uploads.queue, batches.queue),
      // It reads the uploaded files and writes thumbnails: nothing else of the bucket.
      { actions: ["s3:GetObject"], resources: [$interpolate`${storage.media.arn}/${objectKeys.uploadsPrefix}*`] },
      { actions: ["s3:PutObject"], resources: [$interpolate`${storage.media.arn}/${objectKeys.thumbnailsPrefix}*`] },
      // Without ListBucket S3 answers a missing upload with 403 instead of 404, and the worker
      // would retry a file that will never appear instead of failing it at once. It shows keys,
      // not contents.
      { actions: ["s3:ListBucket"], resources: [storage.media.arn] },
      parkLargeDeadLetters(storage.media),
    ],
    // What the wiring installs instead of bundling (sharp's native binary), for the Lambda's
    // platform, at the version packages/media depends on.
    nodejs: { install: Object.fromEntries((wiring.functions.worker.install ?? []).map((name) => [name, mediaPackage.dependencies[name as keyof typeof mediaPackage.dependencies]])) },
  });

  const finalizer = subscribe(resources, "finalizer", {
    // Bad progress messages parked, and its own messages requeued while the database is unreachable.
    permissions: [sendTo(progress.dlq, progress.queue), parkLargeDeadLetters(storage.media)],
    // The link grants execute-api:ManageConnections, for the pushes (PostToConnection).
    link: [webSocket],
  });
  return { fanout, worker, finalizer };
}

/** Subscribes the function to its queue; returns its role's ARN. */
function subscribe(resources: DeployedResources, name: FunctionName, args: SubscriberArgs) {
  const settings = wiring.functions[name];
  const link = [...secretLinks(name, resources), ...(args.link ?? [])];
  const subscriber = resources.queues[settings.queue].queue.subscribe(
    { handler: settings.handler, ...lambdaSettings(settings), environment: environment(name, resources), ...args, link },
    {
      batch: { size: settings.batchSize, window: `${settings.batchingWindowSeconds} seconds`, partialResponses: true },
      // Caps the pollers' invocations, which bounds the load on Postgres and the AI backend.
      transform: { eventSourceMapping: { scalingConfig: { maximumConcurrency: settings.maxConcurrency } } },
    },
  );
  return subscriber.nodes.function.apply((fn) => fn.nodes.role.arn);
}
