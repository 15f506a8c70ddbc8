export { AiConfigurationError } from "./AiConfigurationError.js";
export { OllamaAiService, type OllamaAiServiceOptions } from "./OllamaAiService.js";
