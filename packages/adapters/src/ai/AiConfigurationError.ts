/** The AI service's settings cannot be used: thrown at cold start, before any upload is processed. */
export class AiConfigurationError extends Error {
  override readonly name = "AiConfigurationError";
}
