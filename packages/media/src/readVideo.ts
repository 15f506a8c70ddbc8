import type { DetectedMedia } from "./detectMedia.js";
import { readIsoVideo } from "./readIsoVideo.js";
import { readMatroskaVideo } from "./readMatroskaVideo.js";
import type { VideoFacts } from "./types.js";

const MATROSKA_FORMATS: ReadonlySet<string> = new Set(["WebM", "Matroska"]);

/** Reads what a video's container says, without decoding a frame (no ffmpeg). */
export async function readVideo(bytes: Buffer, media: DetectedMedia): Promise<VideoFacts> {
  return MATROSKA_FORMATS.has(media.format) ? readMatroskaVideo(bytes, media.mimeType) : readIsoVideo(bytes);
}
