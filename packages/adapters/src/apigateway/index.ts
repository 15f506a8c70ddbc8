export { ApiGatewayConnectionNotifier, type NotifierOptions } from "./ApiGatewayConnectionNotifier.js";
