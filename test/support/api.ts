/** A tiny client for the gateway's HTTP API in cluster tests: JSON in, `{status, body}` out. */
export interface ApiAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read fields of many shapes; the SDK is the typed client
  body: any;
}

export type ApiCall = (method: string, path: string, body?: unknown) => Promise<ApiAnswer>;

export function gatewayApi(baseUrl: string | (() => string), apiKey: string): ApiCall {
  return async (method, path, body) => {
    const base = typeof baseUrl === 'function' ? baseUrl() : baseUrl;
    const response = await fetch(base + path, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    try {
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    } catch {
      throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 200)}`);
    }
  };
}
