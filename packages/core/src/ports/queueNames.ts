// The queue names are the deployment contract's (packages/wiring); the domain speaks of them too.
export { QUEUE_NAMES, type QueueAddress, type QueueName } from "@pipeline/wiring";
