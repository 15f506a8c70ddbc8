import type { AiProvenance, EmbeddingProvenance, MediaMetadata } from "../types.js";

export interface DescribeRequest {
  /** The picture, orientation applied and downscaled, as JPEG. */
  image: Uint8Array;
  /** What was read from the file, for context. */
  metadata: MediaMetadata;
}

export interface EmbedRequest {
  /** The upload's description. */
  text: string;
  /** The same picture `describe` got, for services that embed images; null for videos. */
  image: Uint8Array | null;
}

export interface Description {
  text: string;
  provenance: AiProvenance;
}

export interface Embedding {
  vector: number[];
  provenance: EmbeddingProvenance;
}

/**
 * Describes pictures and turns uploads into vectors. Implementations stop when `signal` aborts,
 * throw `PermanentProcessingError` for requests that can never succeed and `AiServiceError` when
 * the service keeps failing for passing reasons.
 *
 * @example
 * ```ts
 * const description = await ai.describe({ image, metadata }, signal);
 * const embedding = await ai.embed({ text: description.text, image }, signal);
 * ```
 */
export interface AiService {
  describe(request: DescribeRequest, signal: AbortSignal): Promise<Description>;
  embed(request: EmbedRequest, signal: AbortSignal): Promise<Embedding>;
}
