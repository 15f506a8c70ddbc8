export { OllamaAiService, type OllamaAiServiceOptions } from "./OllamaAiService.js";
