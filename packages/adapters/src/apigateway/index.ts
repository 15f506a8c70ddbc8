export { ApiGatewayConnectionNotifier } from "./ApiGatewayConnectionNotifier.js";
