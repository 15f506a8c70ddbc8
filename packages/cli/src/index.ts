export { run, type RunOptions } from "./main.js";
export { openContext, type OperatorContext } from "./OperatorContext.js";
