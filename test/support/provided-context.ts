/** Values the global setup hands to every test file through vitest's provide/inject. */
export {};

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the one Redis shared by the whole run. Isolate with unique key prefixes (uniqueKeyPrefix()). */
    redisUrl: string;
  }
}
