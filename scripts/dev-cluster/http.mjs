// Minimal JSON-over-HTTP client for the dev cluster's Vault API (global fetch, Node 20).

/**
 * `method` on `${url}/v1/${path}`; resolves { status, body } (body: parsed JSON or undefined).
 * Network errors reject. Each request times out after `timeoutMs`.
 */
export async function api(url, method, path, { body, token, timeoutMs = 5000 } = {}) {
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token !== undefined) headers['x-vault-token'] = token;
  const res = await fetch(`${url}/v1/${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
    redirect: 'manual',
  });
  const text = await res.text();
  let parsed;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, text };
}

/** A short description of a failed response for error messages. */
export function describe(res) {
  const errors = Array.isArray(res.body?.errors) ? res.body.errors.join('; ') : res.text.slice(0, 200);
  return `${res.status}${errors ? ` ${errors}` : ''}`;
}
