import { messages } from './messages.js';
import { intval, isBlank, jsonEncode } from './php.js';
import type { ApiReply, Site } from './site.js';
import { param } from './transport.js';

// The token exchange, `/api/authorize`: auth key + app credentials in, access token out.

const refuse = (message: string): ApiReply => ({ error: true, message });

/**
 * Sngine up to 4.0.3 reads the query string only and 4.0.4+ the form body only, whatever the
 * HTTP method; with both enabled the body wins over the query as in PHP's `$_REQUEST`.
 */
function readParam(site: Site, query: URLSearchParams, form: URLSearchParams | undefined, name: string): string | undefined {
  const fromBody = site.authorizeMethods.has('POST') ? param(form, name) : undefined;
  if (fromBody !== undefined) return fromBody;
  return site.authorizeMethods.has('GET') ? param(query, name) : undefined;
}

/** The JSON body `/api/authorize` answers. */
export function authorize(site: Site, query: URLSearchParams, form: URLSearchParams | undefined): string {
  return jsonEncode(exchange(site, query, form));
}

function exchange(site: Site, query: URLSearchParams, form: URLSearchParams | undefined): ApiReply {
  const appId = readParam(site, query, form, 'app_id');
  const appSecret = readParam(site, query, form, 'app_secret');
  const authKey = readParam(site, query, form, 'auth_key');
  if (isBlank(appId)) return refuse(messages.invalidAppId);
  if (isBlank(appSecret)) return refuse(messages.invalidAppSecret);
  if (isBlank(authKey)) return refuse(messages.invalidAuthKey);
  if (!site.developersEnabled) return refuse(messages.developersDisabled);

  const result = site.store.exchangeAuthKey(String(intval(appId!)), appSecret!, authKey!);
  if (result.ok) return { access_token: result.accessToken };
  switch (result.reason) {
    case 'unknown_app':
      return refuse(messages.unknownApp);
    case 'wrong_secret':
      return refuse(messages.invalidAppSecret);
    case 'unknown_auth_key':
      return refuse(messages.invalidAuthKey);
  }
}
