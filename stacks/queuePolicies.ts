import { QUEUE_NAMES } from "@pipeline/wiring";
import type { Queues } from "./queues";

/**
 * Who besides the pipeline's own functions may send to its queues, per stage. Role ARNs are not
 * secret, but they are the account's, so they are set like the secrets, never in the repository
 * (`npx sst secret set OperatorRoleArns '<arn>,<arn>' --stage prod`); ARN wildcards are allowed.
 */
export function queueSenders() {
  return {
    /** The roles operators redrive dead letters with (`batchctl dlq redrive` sends to every queue). Unset: nobody but the functions. */
    operators: new sst.Secret("OperatorRoleArns", ""),
    /**
     * The upload service's role: with it set, the batches queue (the pipeline's entry point) takes
     * messages only from it, the functions and the operators; unset, it stays open to any
     * principal of the account that IAM allows.
     */
    uploadService: new sst.Secret("UploadServiceRoleArn", ""),
  };
}

export type QueueSenders = ReturnType<typeof queueSenders>;

/**
 * A resource policy on every queue and DLQ: HTTPS only, and SendMessage (SendMessageBatch is the
 * same action) denied to every principal but the functions' roles and the stage's operators, so
 * that no other role of the account can inject work or progress. The batches queue also admits the
 * upload service, and stays open to the account while the stage names none. AWS services are not
 * concerned: no statement allows them, and SQS moves dead letters itself.
 */
export function queuePolicies(deps: { queues: Queues; senders: QueueSenders; functionRoles: $util.Output<string>[] }) {
  const { queues, senders, functionRoles } = deps;
  for (const name of QUEUE_NAMES) {
    const { queue, dlq } = queues[name];
    const id = name.charAt(0).toUpperCase() + name.slice(1);
    const entryPoint = name === "batches";
    policy(`${id}Policy`, queue, $resolve([senders.operators.value, senders.uploadService.value, ...functionRoles]).apply(([operators, uploadService, ...roles]) => {
      if (entryPoint && uploadService === "") return undefined;
      return [...roles, ...roleArns("OperatorRoleArns", operators), ...(entryPoint ? roleArns("UploadServiceRoleArn", uploadService) : [])];
    }));
    policy(`${id}DlqPolicy`, dlq, $resolve([senders.operators.value, ...functionRoles]).apply(([operators, ...roles]) => [...roles, ...roleArns("OperatorRoleArns", operators)]));
  }
}

function policy(id: string, queue: sst.aws.Queue, senders: $util.Output<string[] | undefined>) {
  new aws.sqs.QueuePolicy(id, {
    queueUrl: queue.url,
    policy: $resolve({ arn: queue.arn, allowed: senders }).apply(({ arn, allowed }) => JSON.stringify(queuePolicyDocument(arn, allowed))),
  });
}

/** The policy of one queue; `senders` undefined leaves sending to IAM alone. */
export function queuePolicyDocument(queueArn: string, senders: string[] | undefined) {
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "HttpsOnly", Effect: "Deny", Principal: "*", Action: "sqs:*", Resource: queueArn, Condition: { Bool: { "aws:SecureTransport": "false" } } },
      ...(senders === undefined
        ? []
        : [
            {
              Sid: "OnlyThePipelineSends",
              Effect: "Deny",
              Principal: "*",
              Action: "sqs:SendMessage",
              Resource: queueArn,
              // A request made by an AWS service carries aws:PrincipalServiceName; every other caller must be one of the senders.
              Condition: { ArnNotLike: { "aws:PrincipalArn": senders }, Null: { "aws:PrincipalServiceName": "true" } },
            },
          ]),
    ],
  };
}

/** A stage setting's comma-separated role ARNs; anything else fails the deploy, naming the setting. */
function roleArns(setting: string, value: string): string[] {
  const arns = value.split(",").map((arn) => arn.trim()).filter((arn) => arn !== "");
  const bad = arns.filter((arn) => !/^arn:aws[a-z-]*:iam::(\d{12}|\*):role\/.+$/.test(arn));
  if (bad.length > 0) throw new Error(`${setting} must be comma-separated IAM role ARNs, got ${bad.map((arn) => JSON.stringify(arn)).join(", ")}`);
  return arns;
}
