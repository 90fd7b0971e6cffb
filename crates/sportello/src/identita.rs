//! Citizens' identity: the service as an OpenID Connect relying party of the SPID/CIE gateway a
//! comune names in `area_personale:` (civico implements neither SAML nor the federations; the
//! gateway does). Authorization code with PKCE, `state` and `nonce`; the ID token is checked by
//! the `openidconnect` crate (issuer, audience, signature against the gateway's keys, expiry,
//! nonce) with only asymmetric algorithms allowed (no `none`, no HMAC); an unknown key id makes
//! the keys be fetched again once (rotation). The SPID level comes from `acr` and must reach
//! the comune's minimum; the codice fiscale loses its `TINIT-` prefix and must be valid.
//!
//! The gateway's metadata are fetched on first use and kept for an hour: the service starts
//! even when the gateway is down, and a login then fails with an Italian message.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use civico_core::diagnostics::catena;
use civico_core::sportello::AreaPersonale;
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreJwsSigningAlgorithm, CoreTokenResponse,
};
use openidconnect::{
    AuthenticationContextClass, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl,
    Nonce, PkceCodeChallenge, PkceCodeVerifier, ProviderMetadataWithLogout, RedirectUrl, Scope,
};
use serde_json::Value;

/// How long the gateway's metadata and keys are trusted before they are fetched again.
const VALIDITA_METADATI: Duration = Duration::from_secs(3600);

/// Why a login failed: each says it in Italian for the citizen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErroreAccesso {
    /// The gateway cannot be reached or its metadata are wrong.
    Gateway(String),
    /// The comune's configuration lacks something (the secret's variable).
    Configurazione(String),
    /// The citizen stopped at the gateway, or it refused.
    Annullato,
    /// The answer does not belong to this login (state, cookie, expired attempt).
    Sessione,
    /// The ID token failed a check.
    Token(String),
    /// The level of the login is below the comune's minimum.
    Livello { livello: Option<u8>, minimo: u8 },
    /// The identity lacks a datum or has it malformed.
    Dati(&'static str),
}

impl ErroreAccesso {
    /// The message shown to the citizen.
    pub fn messaggio(&self) -> String {
        match self {
            ErroreAccesso::Gateway(_) => "Il servizio di accesso con SPID e CIE non risponde in questo momento. Riprova tra qualche minuto; se il problema continua, contatta il Comune.".into(),
            ErroreAccesso::Configurazione(_) => "L'accesso con SPID e CIE non è ancora configurato per questo Comune. Contatta il Comune.".into(),
            ErroreAccesso::Annullato => "L'accesso non è stato completato. Puoi riprovare quando vuoi.".into(),
            ErroreAccesso::Sessione => "Il tentativo di accesso è scaduto o non è partito da questo browser. Riprova dall'inizio.".into(),
            ErroreAccesso::Token(_) => "Non è stato possibile verificare l'identità ricevuta. Riprova; se il problema continua, contatta il Comune.".into(),
            ErroreAccesso::Livello { minimo, .. } => format!("Per questo servizio serve un accesso di livello {minimo} o superiore (SPID con codice temporaneo, o CIE). Accedi di nuovo scegliendo quel livello."),
            ErroreAccesso::Dati(d) => format!("Il gestore dell'identità non ha comunicato {d}: senza, non puoi accedere all'area personale."),
        }
    }
    /// The detail for the service's log (never personal data).
    pub fn dettaglio(&self) -> String {
        match self {
            ErroreAccesso::Gateway(d)
            | ErroreAccesso::Configurazione(d)
            | ErroreAccesso::Token(d) => d.clone(),
            ErroreAccesso::Livello { livello, minimo } => {
                let livello = livello.map_or("non dichiarato".to_string(), |l| l.to_string());
                format!("livello {livello}, sotto il minimo {minimo}")
            }
            ErroreAccesso::Annullato => "accesso annullato, o rifiutato dal gateway".into(),
            ErroreAccesso::Sessione => "sessione di accesso scaduta o di un altro browser".into(),
            ErroreAccesso::Dati(d) => format!("manca o non è valido: {d}"),
        }
    }
}

/// Who logged in, as the gateway says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cittadino {
    /// Upper case, without `TINIT-`, check character verified.
    pub codice_fiscale: String,
    pub nome: String,
    pub cognome: String,
    pub email: Option<String>,
    pub livello: u8,
    /// The raw ID token, for the logout at the gateway (`id_token_hint`).
    pub id_token: String,
}

/// What a login needs to remember between the start and the return.
#[derive(Debug, Clone)]
pub struct Avvio {
    /// Where to send the browser.
    pub url: String,
    pub stato: String,
    pub nonce: String,
    pub verificatore: String,
}

/// The gateways' metadata, by issuer.
#[derive(Default)]
pub struct Gateway {
    metadati: Mutex<HashMap<String, (Instant, Arc<ProviderMetadataWithLogout>)>>,
}

/// The HTTP client of the gateway calls, made once (its connections and TLS setup are reused):
/// no redirects (SSRF), short timeouts, statuses passed through (the token endpoint's errors are
/// JSON to read).
fn agente() -> &'static ureq::Agent {
    static AGENTE: std::sync::OnceLock<ureq::Agent> = std::sync::OnceLock::new();
    AGENTE.get_or_init(|| {
        ureq::Agent::config_builder()
            .max_redirects(0)
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(10)))
            .build()
            .into()
    })
}

fn http(req: openidconnect::HttpRequest) -> Result<openidconnect::HttpResponse, ureq::Error> {
    let risposta = agente().run(req)?;
    let (parti, corpo) = risposta.into_parts();
    let byte = corpo.into_with_config().limit(1024 * 1024).read_to_vec()?;
    Ok(openidconnect::http::Response::from_parts(parti, byte))
}

impl Gateway {
    /// The gateway's metadata (and keys): cached, or fetched when `nuovi` or too old.
    pub fn metadati(
        &self,
        conf: &AreaPersonale,
        nuovi: bool,
    ) -> Result<Arc<ProviderMetadataWithLogout>, ErroreAccesso> {
        if !nuovi {
            if let Some((quando, m)) = self
                .metadati
                .lock()
                .ok()
                .and_then(|g| g.get(&conf.emittente).cloned())
            {
                if quando.elapsed() < VALIDITA_METADATI {
                    return Ok(m);
                }
            }
        }
        let emittente = IssuerUrl::new(conf.emittente.clone())
            .map_err(|e| ErroreAccesso::Configurazione(e.to_string()))?;
        let m = ProviderMetadataWithLogout::discover(&emittente, &http)
            .map_err(|e| ErroreAccesso::Gateway(catena(&e)))?;
        let m = Arc::new(m);
        if let Ok(mut g) = self.metadati.lock() {
            g.insert(conf.emittente.clone(), (Instant::now(), m.clone()));
        }
        Ok(m)
    }

    /// Starts a login: the gateway's address with PKCE, state, nonce and the level asked for.
    pub fn avvia(&self, conf: &AreaPersonale, ritorno: &str) -> Result<Avvio, ErroreAccesso> {
        let m = self.metadati(conf, false)?;
        let client = CoreClient::from_provider_metadata(
            (*m).clone(),
            ClientId::new(conf.client_id.clone()),
            None,
        )
        .set_redirect_uri(redirect(ritorno)?);
        let (sfida, verificatore) = PkceCodeChallenge::new_random_sha256();
        let mut richiesta = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(sfida)
            .add_auth_context_value(AuthenticationContextClass::new(conf.acr.clone()));
        for a in conf.ambiti.iter().filter(|a| a.as_str() != "openid") {
            richiesta = richiesta.add_scope(Scope::new(a.clone()));
        }
        let (url, stato, nonce) = richiesta.url();
        Ok(Avvio {
            url: url.to_string(),
            stato: stato.secret().clone(),
            nonce: nonce.secret().clone(),
            verificatore: verificatore.secret().clone(),
        })
    }

    /// Ends a login: exchanges the code, checks the ID token, reads the identity.
    pub fn concludi(
        &self,
        conf: &AreaPersonale,
        ritorno: &str,
        codice: &str,
        verificatore: &str,
        nonce: &str,
    ) -> Result<Cittadino, ErroreAccesso> {
        let segreto = std::env::var(&conf.segreto).map_err(|_| {
            ErroreAccesso::Configurazione(format!(
                "la variabile d'ambiente {} non è impostata",
                conf.segreto
            ))
        })?;
        let m = self.metadati(conf, false)?;
        let client = CoreClient::from_provider_metadata(
            (*m).clone(),
            ClientId::new(conf.client_id.clone()),
            Some(ClientSecret::new(segreto.clone())),
        )
        .set_redirect_uri(redirect(ritorno)?);
        let token: CoreTokenResponse = client
            .exchange_code(AuthorizationCode::new(codice.to_string()))
            .map_err(|e| ErroreAccesso::Gateway(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(verificatore.to_string()))
            .request(&http)
            .map_err(|e| ErroreAccesso::Token(catena(&e)))?;
        let id_token = token
            .extra_fields()
            .id_token()
            .ok_or_else(|| ErroreAccesso::Token("la risposta non ha un id_token".into()))?;
        let nonce = Nonce::new(nonce.to_string());
        let verifica = |m: &ProviderMetadataWithLogout| {
            let client = CoreClient::from_provider_metadata(
                m.clone(),
                ClientId::new(conf.client_id.clone()),
                Some(ClientSecret::new(segreto.clone())),
            );
            let verificatore = client.id_token_verifier().set_allowed_algs(ASIMMETRICI);
            id_token.claims(&verificatore, &nonce).map(|_| ())
        };
        if let Err(e) = verifica(&m) {
            let chiave_ignota = matches!(
                e,
                openidconnect::ClaimsVerificationError::SignatureVerification(
                    openidconnect::SignatureVerificationError::NoMatchingKey
                )
            );
            if !chiave_ignota {
                return Err(ErroreAccesso::Token(catena(&e)));
            }
            // The gateway may have rotated its keys: fetch them again, once.
            let nuovi = self.metadati(conf, true)?;
            verifica(&nuovi).map_err(|e| ErroreAccesso::Token(catena(&e)))?;
        }
        let testo = id_token.to_string();
        let claims = carico(&testo)
            .ok_or_else(|| ErroreAccesso::Token("contenuto dell'id_token non leggibile".into()))?;
        identita(conf, &claims, testo)
    }

    /// Where to send the browser to end the session at the gateway too, when it says how.
    pub fn uscita(&self, conf: &AreaPersonale, id_token: &str, dopo: &str) -> Option<String> {
        let m = self.metadati(conf, false).ok()?;
        let fine = m.additional_metadata().end_session_endpoint.as_ref()?;
        let mut url = fine.url().clone();
        url.query_pairs_mut()
            .append_pair("id_token_hint", id_token)
            .append_pair("client_id", &conf.client_id)
            .append_pair("post_logout_redirect_uri", dopo);
        Some(url.to_string())
    }
}

/// The signature algorithms accepted: asymmetric only.
const ASIMMETRICI: [CoreJwsSigningAlgorithm; 8] = [
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
    CoreJwsSigningAlgorithm::RsaSsaPssSha256,
    CoreJwsSigningAlgorithm::RsaSsaPssSha384,
    CoreJwsSigningAlgorithm::RsaSsaPssSha512,
    CoreJwsSigningAlgorithm::EcdsaP256Sha256,
    CoreJwsSigningAlgorithm::EcdsaP384Sha384,
];

fn redirect(ritorno: &str) -> Result<RedirectUrl, ErroreAccesso> {
    RedirectUrl::new(ritorno.to_string()).map_err(|e| ErroreAccesso::Configurazione(e.to_string()))
}

/// The claims of a JWT already verified (its middle part).
fn carico(jwt: &str) -> Option<serde_json::Map<String, Value>> {
    let parte = jwt.split('.').nth(1)?;
    let byte = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(parte.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&byte).ok()
}

/// The identity from the claims, by the comune's mapping.
pub fn identita(
    conf: &AreaPersonale,
    claims: &serde_json::Map<String, Value>,
    id_token: String,
) -> Result<Cittadino, ErroreAccesso> {
    let testo = |nome: &str| {
        claims
            .get(nome)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let livello = claims.get("acr").and_then(Value::as_str).and_then(livello);
    if livello.is_none_or(|l| l < conf.livello_minimo) {
        return Err(ErroreAccesso::Livello {
            livello,
            minimo: conf.livello_minimo,
        });
    }
    let a = &conf.attributi;
    let codice_fiscale = testo(&a.codice_fiscale)
        .and_then(|cf| codice_fiscale(&cf))
        .ok_or(ErroreAccesso::Dati("il codice fiscale"))?;
    Ok(Cittadino {
        codice_fiscale,
        nome: testo(&a.nome).ok_or(ErroreAccesso::Dati("il nome"))?,
        cognome: testo(&a.cognome).ok_or(ErroreAccesso::Dati("il cognome"))?,
        email: testo(&a.email).filter(|e| civico_core::sportello::email_valida(e)),
        livello: livello.unwrap_or(0),
        id_token,
    })
}

/// The SPID level of an `acr` value (`https://www.spid.gov.it/SpidL2` -> 2; CIE's gateways use
/// the same values).
pub fn livello(acr: &str) -> Option<u8> {
    let resto = acr.trim().rsplit('/').next()?;
    let cifra = resto
        .strip_prefix("SpidL")
        .or_else(|| resto.strip_prefix('L'))?;
    match cifra {
        "1" => Some(1),
        "2" => Some(2),
        "3" => Some(3),
        _ => None,
    }
}

/// A codice fiscale as SPID sends it (`TINIT-RSSMRA80A01H501U`), upper case without prefix,
/// when its check character is right.
pub fn codice_fiscale(s: &str) -> Option<String> {
    let s = s.trim().to_ascii_uppercase();
    let s = s.strip_prefix("TINIT-").unwrap_or(&s);
    civico_core::modulo::codice_fiscale_persona_ok(s).then(|| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conf() -> AreaPersonale {
        serde_saphyr::from_str(
            "emittente: https://login.example.it\nclient_id: c\nsegreto: OIDC_C\n",
        )
        .unwrap()
    }

    fn claims(json: Value) -> serde_json::Map<String, Value> {
        json.as_object().unwrap().clone()
    }

    #[test]
    fn levels_are_read_from_acr() {
        assert_eq!(livello("https://www.spid.gov.it/SpidL2"), Some(2));
        assert_eq!(livello("https://www.spid.gov.it/SpidL3"), Some(3));
        assert_eq!(livello("SpidL1"), Some(1));
        assert_eq!(livello("https://www.spid.gov.it/SpidL4"), None);
        assert_eq!(livello("urn:altro"), None);
    }

    #[test]
    fn fiscal_numbers_lose_the_prefix_and_are_checked() {
        assert_eq!(
            codice_fiscale("TINIT-rssmra80a01h501u").as_deref(),
            Some("RSSMRA80A01H501U")
        );
        assert_eq!(codice_fiscale("RSSMRA80A01H501X"), None);
    }

    #[test]
    fn the_identity_needs_the_level_and_the_data() {
        let c = conf();
        let buono = json!({"acr": "https://www.spid.gov.it/SpidL2", "fiscal_number": "TINIT-RSSMRA80A01H501U",
            "given_name": "Mario", "family_name": "Rossi", "email": "mario@example.it"});
        let id = identita(&c, &claims(buono.clone()), "t".into()).unwrap();
        assert_eq!(id.codice_fiscale, "RSSMRA80A01H501U");
        assert_eq!((id.nome.as_str(), id.livello), ("Mario", 2));
        let mut basso = buono.clone();
        basso["acr"] = json!("https://www.spid.gov.it/SpidL1");
        assert_eq!(
            identita(&c, &claims(basso), "t".into()),
            Err(ErroreAccesso::Livello {
                livello: Some(1),
                minimo: 2
            })
        );
        let mut senza = buono;
        senza.as_object_mut().unwrap().remove("fiscal_number");
        assert_eq!(
            identita(&c, &claims(senza), "t".into()),
            Err(ErroreAccesso::Dati("il codice fiscale"))
        );
    }

    use serde_json::json;
}
