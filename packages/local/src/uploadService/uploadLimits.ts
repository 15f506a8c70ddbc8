import { wiring } from "@pipeline/wiring";

/** What one `POST /api/batches` may hold. Over any of them the request gets a 413 and nothing is kept. */
export interface UploadLimits {
  /** Bytes of the whole request body, multipart framing included. */
  maxRequestBytes: number;
  /** Files in one batch. */
  maxFiles: number;
  /** Bytes of one file: the size the worker accepts (`wiring.worker.maxUploadBytes`). */
  maxFileBytes: number;
  /** Non-file form fields (the service reads `priority` and `maxInFlight`; others are tolerated and ignored). */
  maxFields: number;
  /** Bytes of one form field's value. */
  maxFieldBytes: number;
  /** Parts of the multipart body, files and fields together. */
  maxParts: number;
}

const MiB = 1024 * 1024;

/**
 * The defaults: 1 GiB a request, 1000 files, 50 MiB a file (what the worker processes and the
 * docs advertise), 16 fields of at most 1 KiB, 1016 parts.
 */
export const DEFAULT_UPLOAD_LIMITS: UploadLimits = {
  maxRequestBytes: 1024 * MiB,
  maxFiles: 1000,
  maxFileBytes: wiring.worker.maxUploadBytes,
  maxFields: 16,
  maxFieldBytes: 1024,
  maxParts: 1000 + 16,
};

/** The defaults with `overrides`; `maxParts` follows `maxFiles` and `maxFields` unless set. */
export function uploadLimits(overrides: Partial<UploadLimits> = {}): UploadLimits {
  const limits = { ...DEFAULT_UPLOAD_LIMITS, ...overrides };
  if (overrides.maxParts === undefined) limits.maxParts = limits.maxFiles + limits.maxFields;
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`upload limit ${name} must be a whole number of at least 0, got ${value}`);
  }
  return limits;
}
