/** The server's public surface. */
export { SluiceServer, type ServerOptions } from './server.js';
export { RestApi } from './rest-api.js';
export { PushHub, SLOW_CONSUMER_CODE } from './push-hub.js';
export { loadConfigFile, parseConfigText, configFromEntries, type ServerConfig } from './config.js';
export { serverSecurity, ServerConfigError, type ServerSecurity } from './security-config.js';
export { parseListeners, type Listener } from './listeners.js';
