package main

import "net/http"

// The passkey page: a tiny page of the local server that runs the
// WebAuthn ceremonies of the Account API in a browser
// (navigator.credentials), so a newcomer can try passkeys at
// http://localhost:3000/passkey/ (localhost: browsers treat it as a secure
// context, and the local relying party is "localhost"), and the browser
// test can drive them through Chromium's virtual authenticator.

const passkeyPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Passkeys</title>
</head>
<body>
<h1>Passkeys</h1>
<p>From the developer console: <code>await registerPasskey(accessToken)</code>, then
<code>await passwordless(deviceToken)</code> to log in with the passkey alone.</p>
<script src="passkey.js"></script>
</body>
</html>
`

const passkeyScript = `"use strict";
async function api(path, auth, body) {
  const init = {method: "POST", headers: {"Authorization": auth}};
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  const text = await res.text();
  if (!res.ok) throw new Error(path + " answered " + res.status + ": " + text);
  return text ? JSON.parse(text) : null;
}
// registerPasskey registers a passkey of this browser to the person behind
// an access token.
window.registerPasskey = async function (accessToken) {
  const o = await api("/account/passkeys/options", "Bearer " + accessToken);
  const cred = await navigator.credentials.create({publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(o.options.publicKey)});
  return api("/account/passkeys", "Bearer " + accessToken, {name: "this browser", credential: cred.toJSON()});
};
// passwordless logs in on a device with a passkey alone.
window.passwordless = async function (deviceToken) {
  const o = await api("/account/passkey/options", deviceToken, {});
  const cred = await navigator.credentials.get({publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(o.options.publicKey)});
  return api("/account/mfa/verify", deviceToken, {challengeToken: o.challengeToken, passkey: cred.toJSON()});
};
`

const passkeyCSP = "default-src 'none'; script-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// withPasskeyPage serves the passkey page at /passkey/ and leaves every
// other request to next.
func withPasskeyPage(next http.Handler) http.Handler {
	mux := http.NewServeMux()
	serve := func(contentType, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", contentType)
			w.Header().Set("Content-Security-Policy", passkeyCSP)
			w.Header().Set("Cache-Control", "no-cache")
			_, _ = w.Write([]byte(body))
		}
	}
	mux.HandleFunc("GET /passkey/{$}", serve("text/html; charset=utf-8", passkeyPage))
	mux.HandleFunc("GET /passkey/passkey.js", serve("text/javascript; charset=utf-8", passkeyScript))
	mux.Handle("/", next)
	return mux
}
