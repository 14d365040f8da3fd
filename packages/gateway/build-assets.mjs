// Copies into dist/ what the compiled gateway reads at run time, so the published package carries it:
// the Lua scripts, the OpenAPI document (source of truth: docs/openapi.yaml at the repository root) and the
// browser script it serves at /_ah/channel/jsapi (built by @channel-gateway/client).
import { cpSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

cpSync(here('src/stores/redis-scripts'), here('dist/stores/redis-scripts'), { recursive: true });
mkdirSync(here('dist/assets'), { recursive: true });
cpSync(here('../../docs/openapi.yaml'), here('dist/assets/openapi.yaml'));
cpSync(fileURLToPath(import.meta.resolve('@channel-gateway/client/jsapi')), here('dist/assets/jsapi.js'));
