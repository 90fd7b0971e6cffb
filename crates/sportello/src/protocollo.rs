//! What a new pratica sends: to the citizen, the confirmation with the PDF ricevuta; to the
//! comune's protocol address (its PEC box in production), the ricevuta, the attachments and a
//! `Segnatura.xml` describing them with their SHA-256 in the structure of AGID's interoperability
//! rules (Linee guida sul documento informatico, allegato 6), so that a protocol system can
//! register the istanza as incoming. The service is not an AOO and does not sign the segnatura;
//! the operator records the protocol number when it comes back.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::cittadini::Sessione;
use crate::pratiche::{impronta_di, File, Istanza, Pratica};
use crate::registro::{AllegatoEmail, Email};
use crate::ricevuta;

/// The comune a pratica belongs to, as the messages name it.
pub struct Ente<'a> {
    pub nome: &'a str,
    pub codice_ipa: &'a str,
    /// Where the protocol receives istanze.
    pub protocollo: &'a str,
    /// The area personale's address, for the citizen.
    pub area: &'a str,
}

use crate::esc;

fn allegato(nome: &str, tipo: &str, dati: &[u8]) -> AllegatoEmail {
    AllegatoEmail {
        nome: nome.to_string(),
        tipo: tipo.to_string(),
        base64: BASE64.encode(dati),
    }
}

/// The `Segnatura.xml` of a pratica: the comune as recipient, the citizen as sender, the
/// ricevuta as the main document and the files as attachments, each with its SHA-256.
pub fn segnatura(
    e: &Ente<'_>,
    p: &Pratica,
    chi: &Sessione,
    quando: DateTime<Utc>,
    ricevuta: &[u8],
    file: &[File<'_>],
) -> String {
    let impronta = |b: &[u8]| {
        let hex = impronta_di(b);
        let byte: Vec<u8> = (0..hex.len())
            .step_by(2)
            .filter_map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
            .collect();
        BASE64.encode(byte)
    };
    let allegati: String = file
        .iter()
        .map(|File { campo, file: f }| {
            format!(
                "\n      <Documento nome=\"{}\" tipoRiferimento=\"MIME\"><Oggetto>{}</Oggetto><Impronta algoritmo=\"SHA-256\" codifica=\"base64\">{}</Impronta></Documento>",
                esc(&f.nome),
                esc(campo),
                impronta(&f.dati)
            )
        })
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Segnatura xmlns="http://www.agid.gov.it/protocollo/" versione="2021-03-15" xml:lang="it">
  <Intestazione>
    <Identificatore>
      <CodiceAmministrazione>{ipa}</CodiceAmministrazione>
      <CodiceRegistro>ISTANZE-ONLINE</CodiceRegistro>
      <NumeroRegistrazione>{numero}</NumeroRegistrazione>
      <DataRegistrazione>{data}</DataRegistrazione>
    </Identificatore>
    <Origine>
      <Mittente><Persona><Nome>{nome}</Nome><Cognome>{cognome}</Cognome><CodiceFiscale>{cf}</CodiceFiscale></Persona></Mittente>
    </Origine>
    <Destinazione><IndirizzoTelematico tipo="smtp">{protocollo}</IndirizzoTelematico></Destinazione>
    <Oggetto>{oggetto}</Oggetto>
  </Intestazione>
  <Descrizione>
    <Documento nome="ricevuta-{numero}.pdf" tipoRiferimento="MIME"><Oggetto>Ricevuta dell'istanza</Oggetto><Impronta algoritmo="SHA-256" codifica="base64">{principale}</Impronta></Documento>
    <Allegati>{allegati}
    </Allegati>
  </Descrizione>
</Segnatura>
"#,
        ipa = esc(e.codice_ipa),
        numero = esc(&p.numero),
        data = quando.format("%Y-%m-%d"),
        nome = esc(&chi.nome),
        cognome = esc(&chi.cognome),
        cf = esc(&chi.codice_fiscale),
        protocollo = esc(e.protocollo),
        oggetto = esc(&format!("Istanza online: {} ({})", p.titolo, p.numero)),
        principale = impronta(ricevuta),
    )
}

/// The last day of a pratica's term, in words.
pub fn entro(p: &Pratica, tz: chrono_tz::Tz) -> String {
    crate::registro::giorno_lungo(&p.scadenza, tz)
}

/// The messages of a new pratica: to the citizen (when the identity gave an email) and to the
/// protocol.
pub fn messaggi(
    e: &Ente<'_>,
    ist: &Istanza<'_>,
    p: &Pratica,
    dichiarato: &Value,
    quando: DateTime<Utc>,
    tz: chrono_tz::Tz,
) -> Vec<Email> {
    let (s, chi, file) = (ist.servizio, ist.chi, ist.file);
    let entro = entro(p, tz);
    let alle = crate::registro::data_ora(quando, tz);
    let richiedente = format!("{} {}", chi.nome, chi.cognome);
    let pdf = ricevuta::pdf(&ricevuta::Dati {
        comune: e.nome,
        servizio: s,
        pratica: p,
        dichiarato,
        richiedente: &richiedente,
        codice_fiscale: &chi.codice_fiscale,
        quando: &alle,
        entro: &entro,
    });
    let nome_pdf = format!("ricevuta-{}.pdf", p.numero);
    let mut out = Vec::new();
    if let Some(email) = &chi.email {
        out.push(Email {
            destinatario: email.clone(),
            oggetto: format!("Istanza ricevuta: {} ({})", p.titolo, p.numero),
            testo: format!(
                "Il Comune di {} ha ricevuto la tua istanza \"{}\" {alle}.\n\nNumero di pratica: {}\nConclusione del procedimento entro {entro}.\n\nIn allegato la ricevuta. Puoi seguire lo stato della pratica nell'area personale: {}\n",
                e.nome, p.titolo, p.numero, e.area
            ),
            ics: None,
            allegati: vec![allegato(&nome_pdf, "application/pdf", &pdf)],
        });
    }
    let mut allegati = vec![allegato(&nome_pdf, "application/pdf", &pdf)];
    allegati.extend(
        file.iter()
            .map(|f| allegato(&f.file.nome, f.file.tipo, &f.file.dati)),
    );
    let xml = segnatura(e, p, chi, quando, &pdf, file);
    allegati.push(allegato("Segnatura.xml", "application/xml", xml.as_bytes()));
    out.push(Email {
        destinatario: e.protocollo.to_string(),
        oggetto: format!("Istanza online {}: {} - {} {}", p.numero, p.titolo, chi.cognome, chi.nome),
        testo: format!(
            "Istanza presentata online con identificazione SPID o CIE (livello {}, art. 65 CAD).\n\nServizio: {}\nNumero di pratica: {}\nRichiedente: {richiedente}, codice fiscale {}\nInviata: {alle}\nImpronta SHA-256 dei dati dichiarati: {}\n\nIn allegato la ricevuta con i dati dichiarati, gli allegati del cittadino e Segnatura.xml. Dopo la protocollazione, registra il numero di protocollo nello sportello.\n",
            chi.livello, p.titolo, p.numero, chi.codice_fiscale, p.impronta
        ),
        ics: None,
        allegati,
    });
    out
}

/// The messages to the citizen when the office moves a pratica on: by email, and through App
/// IO when `io`.
pub fn avviso_stato(
    x: &crate::istruttoria::Scheda,
    stato: &str,
    testo: &str,
    comune: &str,
    area: &str,
    io: bool,
    documento: Option<&crate::allegati::Allegato>,
) -> crate::pratiche::Avvisi {
    let cosa = match stato {
        "protocollata" => format!("è stata protocollata ({testo})."),
        "in_istruttoria" => "è in istruttoria presso l'ufficio.".into(),
        "integrazione" => format!("richiede un'integrazione da parte tua. L'ufficio scrive:\n\n{testo}\n\nRispondi dall'area personale, con il testo e i documenti richiesti: fino alla tua risposta il termine del procedimento è sospeso."),
        "accolta" => format!("è stata accolta. L'ufficio scrive:\n\n{testo}"),
        "respinta" => format!("è stata respinta. Motivazione:\n\n{testo}"),
        "conclusa" => "è conclusa.".into(),
        _ => format!("è ora: {}.", crate::pratiche::etichetta(stato)),
    };
    let email = x.email.as_ref().map(|email| Email {
        destinatario: email.clone(),
        oggetto: format!("Pratica {}: {}", x.numero, crate::pratiche::etichetta(stato)),
        testo: format!(
            "La tua pratica {} ({}) presso il Comune di {comune} {cosa}\n\nPuoi vederne la storia nell'area personale: {area}\n",
            x.numero, x.titolo
        ),
        ics: None,
        allegati: documento
            .map(|d| allegato(&d.nome, d.tipo, &d.dati))
            .into_iter()
            .collect(),
    });
    crate::pratiche::Avvisi {
        email: email.into_iter().collect(),
        io: io.then(|| crate::avvisi_io::componi(&x.numero, &x.titolo, stato, &cosa, comune, area)),
    }
}
