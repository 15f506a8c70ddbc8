/**
 * Recording stand-ins for the globals SST gives `sst.config.ts` (`$config`, `$app`, `sst.*`,
 * `$resolve`, `$interpolate`, `$output`). Components keep the arguments they were given and
 * answer their outputs with plausible values of a deployed stage, so a test can evaluate `run()`
 * offline and read what it would deploy.
 */

const ACCOUNT = "123456789012";
const REGION = "us-east-1";
const API_ID = "a1b2c3d4e5";

/** A value known once deployed (Pulumi's Output): computed on demand. */
export class FakeOutput<T = unknown> {
  constructor(private readonly compute: () => T) {}

  apply<U>(fn: (value: T) => U): FakeOutput<U> {
    return new FakeOutput(() => fn(resolveDeep(this.compute()) as T));
  }

  resolve(): unknown {
    return resolveDeep(this.compute());
  }
}

/** Replaces every output inside plain objects and arrays by its value; components stay as they are. */
export function resolveDeep(value: unknown): unknown {
  if (value instanceof FakeOutput) return value.resolve();
  if (Array.isArray(value)) return value.map(resolveDeep);
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, resolveDeep(entry)]));
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

const known = <T>(value: T) => new FakeOutput(() => value);

export type Args = Record<string, unknown>;

/** What SST adds to every function's environment besides its `environment`: the app, and the key of its encrypted links. */
export const SST_FUNCTION_VARIABLES = ["SST_RESOURCE_App", "SST_KEY", "SST_KEY_FILE"] as const;

/** A deployed function's execution role, as a subscriber's or cron's `nodes.function` shows it. */
function functionNode(roleArn: string) {
  return known({ nodes: { role: { arn: known(roleArn) } } });
}

const roleArnOf = (physicalName: string) => `arn:aws:iam::${ACCOUNT}:role/${physicalName}Role`;

export class FakeSecret {
  constructor(
    readonly componentName: string,
    private readonly placeholder: string | undefined,
    private readonly values: Readonly<Record<string, string>>,
  ) {}

  /** Like SST: the value set for the stage, else the placeholder, else deploying fails. */
  get value(): FakeOutput<string> {
    return new FakeOutput(() => {
      const value = this.values[this.componentName] ?? this.placeholder;
      if (value === undefined) throw new Error(`Set a value for ${this.componentName} with \`sst secret set ${this.componentName} <value>\``);
      return value;
    });
  }
}

export class FakeQueue {
  subscription?: { subscriber: unknown; args: Args };

  constructor(
    readonly componentName: string,
    readonly args: Args,
    private readonly physicalName: string,
  ) {}

  get url() {
    return known(`https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${this.physicalName}`);
  }

  get arn() {
    return known(`arn:aws:sqs:${REGION}:${ACCOUNT}:${this.physicalName}`);
  }

  subscribe(subscriber: unknown, args: Args = {}) {
    // SST allows one subscriber per queue.
    if (this.subscription) throw new Error(`Cannot subscribe to the "${this.componentName}" queue multiple times`);
    this.subscription = { subscriber, args };
    return { nodes: { function: functionNode(this.subscriberRoleArn) } };
  }

  /** The execution role of the function subscribed to the queue. */
  get subscriberRoleArn(): string {
    return roleArnOf(`${this.physicalName}Subscriber`);
  }
}

export class FakeBucket {
  constructor(
    readonly componentName: string,
    readonly args: Args,
    private readonly physicalName: string,
  ) {}

  /** The bucket's name on S3, as SST's `name`. */
  get name() {
    return known(this.physicalName);
  }

  get arn() {
    return known(`arn:aws:s3:::${this.physicalName}`);
  }
}

export class FakeFunction {
  constructor(
    readonly componentName: string,
    readonly args: Args,
    private readonly physicalName: string,
  ) {}

  get arn() {
    return known(`arn:aws:lambda:${REGION}:${ACCOUNT}:function:${this.physicalName}`);
  }
}

export class FakeWebSocketApi {
  readonly routes: Array<{ route: string; handler: unknown; args: Args }> = [];

  constructor(
    readonly componentName: string,
    readonly args: Args,
  ) {}

  get url() {
    return known(`wss://${API_ID}.execute-api.${REGION}.amazonaws.com/$default`);
  }

  get managementEndpoint() {
    return known(`https://${API_ID}.execute-api.${REGION}.amazonaws.com/$default`);
  }

  route(route: string, handler: unknown, args: Args = {}) {
    if (this.routes.some((existing) => existing.route === route)) throw new Error(`route ${route} added twice`);
    this.routes.push({ route, handler, args });
  }
}

export class FakeCron {
  constructor(
    readonly componentName: string,
    readonly args: Args,
    readonly component: "Cron" | "CronV2",
  ) {}

  get nodes() {
    return { function: functionNode(this.roleArn) };
  }

  /** The execution role of the function the schedule runs. */
  get roleArn(): string {
    return roleArnOf(`media-batch-pipeline-${this.componentName}Handler`);
  }
}

/** A Pulumi `aws.sqs.QueuePolicy`: the queue's URL and the policy's JSON. */
export class FakeQueuePolicy {
  constructor(
    readonly name: string,
    readonly args: Args,
  ) {}

  get queueUrl(): string {
    return String(resolveDeep(this.args.queueUrl));
  }

  get document(): { Statement: Array<Record<string, unknown>> } {
    return JSON.parse(String(resolveDeep(this.args.policy))) as { Statement: Array<Record<string, unknown>> };
  }
}

export interface Recording {
  secrets: FakeSecret[];
  queues: FakeQueue[];
  buckets: FakeBucket[];
  functions: FakeFunction[];
  webSocketApis: FakeWebSocketApi[];
  crons: FakeCron[];
  queuePolicies: FakeQueuePolicy[];
}

export interface SstConfig {
  app(input: { stage: string }): { name: string; home: string; removal?: string; protect?: boolean };
  run(): Promise<Record<string, unknown>>;
}

/**
 * Installs the stand-ins on `globalThis` for one evaluation of `run()` and returns what the
 * components record. `secretValues` plays `sst secret set` for the stage.
 */
export function installSstStandIns(options: { stage?: string; secretValues?: Record<string, string> } = {}): Recording {
  const stage = options.stage ?? "test";
  const secretValues = options.secretValues ?? {};
  const recording: Recording = { secrets: [], queues: [], buckets: [], functions: [], webSocketApis: [], crons: [], queuePolicies: [] };
  const names = new Set<string>();
  // SST's component names are unique per app; a clash fails the deploy.
  const claim = (kind: string, name: string) => {
    const key = `${kind}:${name}`;
    if (names.has(key)) throw new Error(`duplicate ${kind} component ${name}`);
    names.add(key);
    return `media-batch-pipeline-${stage}-${name}`;
  };

  const sst = {
    Secret: class extends FakeSecret {
      constructor(name: string, placeholder?: string) {
        claim("Secret", name);
        super(name, placeholder, secretValues);
        recording.secrets.push(this);
      }
    },
    aws: {
      Queue: class extends FakeQueue {
        constructor(name: string, args: Args = {}) {
          super(name, args, claim("Queue", name));
          recording.queues.push(this);
        }
      },
      Bucket: class extends FakeBucket {
        constructor(name: string, args: Args = {}) {
          super(name, args, claim("Bucket", name).toLowerCase());
          recording.buckets.push(this);
        }
      },
      Function: class extends FakeFunction {
        constructor(name: string, args: Args) {
          super(name, args, claim("Function", name));
          recording.functions.push(this);
        }
      },
      ApiGatewayWebSocket: class extends FakeWebSocketApi {
        constructor(name: string, args: Args = {}) {
          claim("ApiGatewayWebSocket", name);
          super(name, args);
          recording.webSocketApis.push(this);
        }
      },
      Cron: class extends FakeCron {
        constructor(name: string, args: Args) {
          claim("Cron", name);
          super(name, args, "Cron");
          recording.crons.push(this);
        }
      },
      CronV2: class extends FakeCron {
        constructor(name: string, args: Args) {
          claim("CronV2", name);
          super(name, args, "CronV2");
          recording.crons.push(this);
        }
      },
    },
  };

  // The Pulumi AWS provider's resources the stacks create directly.
  const aws = {
    sqs: {
      QueuePolicy: class extends FakeQueuePolicy {
        constructor(name: string, args: Args) {
          claim("aws:sqs:QueuePolicy", name);
          super(name, args);
          recording.queuePolicies.push(this);
        }
      },
    },
  };

  Object.assign(globalThis, {
    sst,
    aws,
    $config: (config: SstConfig) => config,
    $app: { name: "media-batch-pipeline", stage, removal: "remove", protect: false },
    $resolve: (value: unknown) => new FakeOutput(() => resolveDeep(value)),
    $output: (value: unknown) => new FakeOutput(() => resolveDeep(value)),
    $interpolate: (strings: TemplateStringsArray, ...values: unknown[]) =>
      new FakeOutput(() => strings.reduce((text, part, index) => text + part + (index < values.length ? String(resolveDeep(values[index])) : ""), "")),
  });
  return recording;
}
