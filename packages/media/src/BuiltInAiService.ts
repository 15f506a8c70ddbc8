import { colourHistogram, COLOUR_HISTOGRAM_DIMENSIONS } from "./colourHistogram.js";
import { hashTextVector } from "./hashTextVector.js";
import type { AiService, DescribeRequest, Description, EmbedRequest, Embedding } from "./ports/AiService.js";
import { summarizeMedia } from "./summarizeMedia.js";

/**
 * The AI step when no model server is configured, so the local stack works offline: the
 * description says only what the metadata says, prefixed `[offline]`; the embedding is the
 * picture's colour histogram (64 dimensions), or a hashed bag of the description's words for
 * videos. Both are labelled in their provenance. Same input, same output.
 *
 * @example
 * ```ts
 * const ai = new BuiltInAiService();
 * const { text } = await ai.describe({ image, metadata }, signal); // "[offline] 640×480 JPEG photo, ..."
 * ```
 */
export class BuiltInAiService implements AiService {
  async describe({ metadata }: DescribeRequest, signal: AbortSignal): Promise<Description> {
    signal.throwIfAborted();
    return { text: `[offline] ${summarizeMedia(metadata)}`, provenance: { source: "offline", method: "metadata-summary" } };
  }

  async embed({ text, image }: EmbedRequest, signal: AbortSignal): Promise<Embedding> {
    signal.throwIfAborted();
    const dimensions = COLOUR_HISTOGRAM_DIMENSIONS;
    if (image) return { vector: await colourHistogram(image), provenance: { source: "offline", method: "colour-histogram", dimensions } };
    return { vector: hashTextVector(text, dimensions), provenance: { source: "offline", method: "text-hash", dimensions } };
  }
}
