import { errorMessage, PermanentProcessingError } from "@pipeline/core";
import { createFile, MP4BoxBuffer, type Movie } from "mp4box";
import type { VideoFacts } from "./types.js";

/**
 * Reads an ISO base media file (MP4, M4V, QuickTime) with mp4box.js: brands, duration, the first
 * video and audio tracks' codecs and the picture size, from the movie header alone.
 */
export function readIsoVideo(bytes: Buffer): VideoFacts {
  const file = createFile();
  let movie: Movie | undefined;
  let failure: string | undefined;
  file.onReady = (info) => {
    movie = info;
  };
  file.onError = (module, message) => {
    failure = `${module}: ${message}`;
  };
  try {
    file.appendBuffer(MP4BoxBuffer.fromArrayBuffer(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), 0));
    file.flush();
  } catch (error) {
    // The parser fails the same way on the same bytes: retrying cannot help.
    throw new PermanentProcessingError(`unreadable video: ${errorMessage(error)}`, { cause: error });
  }
  if (failure !== undefined) throw new PermanentProcessingError(`unreadable video: ${failure}`);
  if (!movie) throw new PermanentProcessingError("unreadable video: no movie header (moov box); the file is truncated or incomplete");
  const video = movie.videoTracks[0];
  if (!video) throw new PermanentProcessingError("the file has no video track");
  const audio = movie.audioTracks[0];
  const duration = movie.timescale > 0 && movie.duration > 0 ? movie.duration / movie.timescale : null;
  return {
    container: [...new Set(movie.brands)].join(", "),
    durationSeconds: duration,
    width: video.video?.width ?? (video.track_width || null),
    height: video.video?.height ?? (video.track_height || null),
    videoCodec: video.codec || null,
    audioCodec: audio?.codec || null,
  };
}
