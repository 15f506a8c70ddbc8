import { errorMessage, PermanentProcessingError } from "@pipeline/core";
import { parseBuffer } from "music-metadata";
import type { VideoFacts } from "./types.js";

/** Matroska track types (the TrackType element). */
const VIDEO_TRACK = 1;
const AUDIO_TRACK = 2;

/**
 * Reads a Matroska or WebM file's header with music-metadata: doctype, duration, the first video
 * and audio tracks' codecs and the picture size.
 */
export async function readMatroskaVideo(bytes: Buffer, mimeType: string): Promise<VideoFacts> {
  let format;
  try {
    ({ format } = await parseBuffer(bytes, { mimeType, size: bytes.byteLength }, { duration: true, skipCovers: true }));
  } catch (error) {
    throw new PermanentProcessingError(`unreadable video: ${errorMessage(error)}`, { cause: error });
  }
  const video = format.trackInfo.find((track) => track.type === VIDEO_TRACK);
  if (!video) throw new PermanentProcessingError("the file has no video track");
  const audio = format.trackInfo.find((track) => track.type === AUDIO_TRACK);
  return {
    // music-metadata names it "EBML/<doctype>".
    container: format.container?.replace(/^EBML\//, "") ?? "matroska",
    durationSeconds: format.duration ?? null,
    width: video.video?.pixelWidth ?? null,
    height: video.video?.pixelHeight ?? null,
    videoCodec: video.codecName ?? null,
    audioCodec: audio?.codecName ?? null,
  };
}
