import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from "jose";

type Algorithm = "RS256" | "ES256";
type PrivateKey = Parameters<SignJWT["sign"]>[0];

interface SigningKey {
  kid: string;
  alg: Algorithm;
  privateKey: PrivateKey;
  publicJwk: JWK;
}

/**
 * An identity provider as Cognito or Auth0 is one to this system: a key set served over HTTP at
 * `jwksUrl` (one RS256 and one ES256 key), and ID tokens it signs with them for its issuer and an
 * app's audience. `sign` takes overrides to make the tokens a real provider never would.
 */
export class TestIdentityProvider {
  readonly issuer: string;
  readonly audience = "test-app-client-id";
  /** Requests for the key set, to see that verifiers cache it. */
  keySetRequests = 0;

  private constructor(
    private readonly server: Server,
    private readonly keys: Record<Algorithm, SigningKey>,
  ) {
    this.issuer = `${this.origin}/test-user-pool`;
  }

  static async start(): Promise<TestIdentityProvider> {
    const keys = { RS256: await signingKey("RS256", "rsa-key-1"), ES256: await signingKey("ES256", "ec-key-1") };
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const provider = new TestIdentityProvider(server, keys);
    server.on("request", (request, response) => {
      if (request.url !== "/test-user-pool/.well-known/jwks.json") return void response.writeHead(404).end();
      provider.keySetRequests++;
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: Object.values(keys).map((key) => key.publicJwk) }));
    });
    return provider;
  }

  private get origin(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get jwksUrl(): string {
    return `${this.issuer}/.well-known/jwks.json`;
  }

  /** An ID token for `sub`, valid for an hour unless `options` say otherwise. */
  async sign(
    sub: string,
    options: { alg?: Algorithm; issuer?: string; audience?: string; kid?: string; expiresAt?: number; key?: PrivateKey; claims?: JWTPayload } = {},
  ): Promise<string> {
    const key = this.keys[options.alg ?? "RS256"];
    return new SignJWT({ token_use: "id", ...options.claims })
      .setProtectedHeader({ alg: key.alg, kid: options.kid ?? key.kid })
      .setSubject(sub)
      .setIssuer(options.issuer ?? this.issuer)
      .setAudience(options.audience ?? this.audience)
      .setIssuedAt()
      .setExpirationTime(options.expiresAt ?? Math.floor(Date.now() / 1000) + 3600)
      .sign(options.key ?? key.privateKey);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

async function signingKey(alg: Algorithm, kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } };
}
