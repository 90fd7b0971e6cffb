// A SPID/CIE-like OpenID Connect provider for the tests of the area personale: npm
// `oidc-provider` (OpenID Certified) on 127.0.0.1:PORT, with one confidential client and
// accounts that carry SPID claims (fiscal_number with `TINIT-`, given_name, family_name,
// email, acr SpidL1/2/3). Login needs no form: the next login is chosen by the test with
// `GET /__test/prossimo?cf=&nome=&cognome=&email=&acr=`, and consent is granted.
// `GET /__test/manomissione?tipo=` alters the next ID token the token endpoint returns, to
// check that the relying party refuses it: emittente (another issuer), cliente (another
// audience), scaduto (expired), nonce (another nonce), firma (signed by another key),
// none (alg none, unsigned), hmac (HS256 keyed with the public key).
// Usage: node oidc.mjs PORT CLIENT_ID SECRET REDIRECT_URI POST_LOGOUT_URI
// Prints its address on the first line.
import Provider from "oidc-provider";
import * as jose from "jose";
import crypto from "node:crypto";

const [port, clientId, secret, redirect, postLogout] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;
const LIVELLI = [1, 2, 3].map((l) => `https://www.spid.gov.it/SpidL${l}`);

const kid = crypto.randomUUID();
const { privateKey, publicKey } = await jose.generateKeyPair("RS256", { extractable: true });
const jwk = { ...(await jose.exportJWK(privateKey)), kid, alg: "RS256", use: "sig" };
const altra = await jose.generateKeyPair("RS256", { extractable: true });

const accounts = new Map();
let prossimo = null;
let manomissione = null;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: secret,
      redirect_uris: [redirect],
      post_logout_redirect_uris: [postLogout],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    },
  ],
  jwks: { keys: [jwk] },
  acrValues: LIVELLI,
  claims: {
    openid: ["sub"],
    profile: ["given_name", "family_name", "fiscal_number"],
    email: ["email"],
  },
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
  pkce: { required: () => true },
  interactions: { url: (ctx, interaction) => `/__test/interazione/${interaction.uid}` },
  async findAccount(ctx, id) {
    const a = accounts.get(id);
    if (!a) return undefined;
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          fiscal_number: `TINIT-${a.cf}`,
          given_name: a.nome,
          family_name: a.cognome,
          email: a.email,
        };
      },
    };
  },
  async loadExistingGrant(ctx) {
    const { Grant } = ctx.oidc.provider;
    const id = ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (id) return Grant.find(id);
    const grant = new Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope("openid profile email");
    await grant.save();
    ctx.oidc.session.ensureClientContainer(ctx.oidc.client.clientId);
    ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId, grant.jti);
    return grant;
  },
});

async function firma(payload, tipo) {
  if (tipo === "none") {
    const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
    return `${b64({ alg: "none", typ: "JWT" })}.${b64(payload)}.`;
  }
  if (tipo === "hmac") {
    const chiave = new TextEncoder().encode(JSON.stringify(await jose.exportJWK(publicKey)));
    return new jose.SignJWT(payload).setProtectedHeader({ alg: "HS256", kid }).sign(chiave);
  }
  const k = tipo === "firma" ? altra.privateKey : privateKey;
  return new jose.SignJWT(payload).setProtectedHeader({ alg: "RS256", kid }).sign(k);
}

async function altera(idToken, tipo) {
  const p = jose.decodeJwt(idToken);
  const ora = Math.floor(Date.now() / 1000);
  if (tipo === "emittente") p.iss = "https://altro-gateway.example.it";
  if (tipo === "cliente") p.aud = "un-altro-client";
  if (tipo === "scaduto") Object.assign(p, { iat: ora - 7200, exp: ora - 3600 });
  if (tipo === "nonce") p.nonce = "un-altro-nonce";
  return firma(p, tipo);
}

provider.use(async (ctx, next) => {
  if (ctx.path === "/__test/prossimo") {
    const q = ctx.query;
    accounts.set(q.cf, { cf: q.cf, nome: q.nome, cognome: q.cognome, email: q.email });
    prossimo = { id: q.cf, acr: q.acr || LIVELLI[1] };
    ctx.body = { ok: true };
    return;
  }
  if (ctx.path === "/__test/manomissione") {
    manomissione = ctx.query.tipo || null;
    ctx.body = { ok: true };
    return;
  }
  const m = ctx.path.match(/^\/__test\/interazione\/([^/]+)$/);
  if (m) {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (details.prompt.name !== "login" || !prossimo) {
      ctx.status = 400;
      ctx.body = { errore: `prompt ${details.prompt.name}` };
      return;
    }
    const result = { login: { accountId: prossimo.id, acr: prossimo.acr } };
    await provider.interactionFinished(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
    return;
  }
  await next();
  if (ctx.path === "/token" && manomissione && ctx.body && ctx.body.id_token) {
    const tipo = manomissione;
    manomissione = null;
    ctx.body = { ...ctx.body, id_token: await altera(ctx.body.id_token, tipo) };
  }
});

provider.listen(Number(port), "127.0.0.1", () => {
  console.log(`oidc-provider su ${issuer}/`);
});
