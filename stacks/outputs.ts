import type { Queues } from "./queues";
import type { Storage } from "./storage";

/** What a client, the upload service and an operator need from a deployed stage (`sst deploy` prints it). */
export function outputs(deps: { queues: Queues; storage: Storage; webSocket: sst.aws.ApiGatewayWebSocket }) {
  const { queues, storage, webSocket } = deps;
  return {
    webSocketUrl: webSocket.url,
    webSocketManagementEndpoint: webSocket.managementEndpoint,
    batchesQueueUrl: queues.batches.queue.url,
    batchesDlqUrl: queues.batches.dlq.url,
    uploadsQueueUrl: queues.uploads.queue.url,
    uploadsDlqUrl: queues.uploads.dlq.url,
    progressQueueUrl: queues.progress.queue.url,
    progressDlqUrl: queues.progress.dlq.url,
    mediaBucket: storage.media.name,
  };
}
