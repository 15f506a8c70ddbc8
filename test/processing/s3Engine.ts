import { S3Client } from "@aws-sdk/client-s3";
import { startFauxqs } from "fauxqs";

export interface S3Engine {
  endpoint: string;
  client: S3Client;
  bucket: string;
  stop(): Promise<void>;
}

/** fauxqs's S3, in process, with one bucket and a client that reaches it. */
export async function startS3Engine(bucket = "media"): Promise<S3Engine> {
  const server = await startFauxqs({ port: 0, logger: false });
  server.createBucket(bucket);
  const endpoint = `http://127.0.0.1:${server.port}`;
  const client = new S3Client({ endpoint, forcePathStyle: true, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } });
  return {
    endpoint,
    client,
    bucket,
    async stop() {
      client.destroy();
      await server.stop();
    },
  };
}
