/** Test support helpers. Chromium and testcontainers are loaded lazily, only when used. */
import './provided-context.js';

export { startRedis, findRedisServer, redisCommand, redisCommands, pingRedis, RedisReplyError } from './redis.js';
export type { RedisHandle, RedisKind, StartRedisOptions, RespValue } from './redis.js';
export { getFreePort, isPortOpen, LOOPBACK } from './free-port.js';
export { spawnProcess, killOnExit } from './processes.js';
export type { SpawnedProcess, SpawnOptions, ExitInfo, OutputLine, LinePredicate, StreamName } from './processes.js';
export { startGatewayProcess, GATEWAY_MAIN } from './gateway.js';
export type { GatewayHandle, StartGatewayOptions, LogEntry } from './gateway.js';
export { launchChromium, chromiumPath, CHROMIUM_ARGS } from './chromium.js';
export { waitFor, nextEvent } from './wait.js';
export type { WaitForOptions } from './wait.js';
export { uniqueKeyPrefix, uniqueId } from './ids.js';
export { repoRoot, repoPath, findExecutable } from './paths.js';
export { startHaproxy } from './haproxy.js';
export { startNginx, nginxConfigFor, SHIPPED_NGINX_CONF } from './nginx.js';
export { startSentinelRedis, redisUrlAt } from './sentinel.js';
export type { SentinelRedis } from './sentinel.js';
export type { HaproxyOptions, LoadBalancer } from './haproxy.js';
export { gatewayApi } from './api.js';
export { setTokenExpiry, shortenToken } from './token-lifetime.js';
export type { TokenRecordLocation } from './token-lifetime.js';
export type { ApiAnswer, ApiCall } from './api.js';
export { TestStream } from './sse-client.js';
export type { StreamClose } from './sse-client.js';
