//! The online form of a service, served in the area personale at
//! `/area-personale/{comune}/istanze/{servizio}`: rendered from the scheda's `modulo:` (the
//! Designers Italia rules: up to 5 options radio buttons, 6 to 10 a select, more a list to
//! type in; fields from the identity shown and not editable; conditions said in words, so the
//! page works without JavaScript), sent as `multipart/form-data` with its attachments, checked
//! by `civico_core::modulo::valida` (the same code as the JSON API), answered with the errors
//! beside their fields or with the confirmation and the pratica's number.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use civico_core::modulo::{self, Campo, ServizioOnline, TipoCampo, Valore};

use crate::allegati;
use crate::cittadini::Sessione;
use crate::pratiche::Pratica;

use crate::esc;

/// What the citizen typed, to show again with the errors.
pub type Inseriti = BTreeMap<String, Valore>;

/// Whether a key sent by a client can be one (8 to 100 visible ASCII characters).
pub fn chiave_valida(k: &str) -> bool {
    (8..=100).contains(&k.len()) && k.chars().all(|c| c.is_ascii_graphic())
}

/// The form's page body.
pub fn pagina(
    s: &ServizioOnline,
    chi: &Sessione,
    informativa: &str,
    inseriti: &Inseriti,
    errori: &BTreeMap<String, String>,
    bozza: Option<&str>,
) -> String {
    let mut h = String::new();
    if let Some(b) = bozza {
        let _ = write!(h, "<p role=\"status\">Stai completando una bozza: i dati e i file che hai già inserito sono salvati.</p><input type=\"hidden\" form=\"modulo-istanza\" name=\"bozza\" value=\"{}\">", esc(b));
    }
    if !errori.is_empty() {
        let voci: String = errori
            .iter()
            .map(|(k, m)| format!("<li><a href=\"#campo-{}\">{}</a></li>", esc(k), esc(m)))
            .collect();
        let n = errori.len();
        let _ = write!(
            h,
            "<div class=\"errore\" role=\"alert\" tabindex=\"-1\" id=\"errori\"><h2>{}</h2><ul>{voci}</ul></div>",
            if n == 1 { "C'è un errore da correggere".to_string() } else { format!("Ci sono {n} errori da correggere") }
        );
    }
    let _ = write!(
        h,
        "<p>Il Comune conclude la pratica entro {} giorni dall'invio (L. 241/1990). I campi con * sono obbligatori.</p>\
<form id=\"modulo-istanza\" method=\"post\" enctype=\"multipart/form-data\" novalidate>\
<fieldset><legend>Informativa sulla privacy</legend><p>I dati che inserisci sono trattati dal Comune per gestire la tua istanza, come descritto nell'<a href=\"{}\">informativa sulla privacy</a>.</p>\
<p><input type=\"checkbox\" id=\"campo-privacy\" name=\"privacy\" value=\"si\" required{}> <label for=\"campo-privacy\">Ho letto e compreso l'informativa sulla privacy *</label></p></fieldset>",
        s.modulo.termine_giorni.value,
        esc(informativa),
        if inseriti.contains_key("privacy") { " checked" } else { "" },
    );
    for p in &s.modulo.passi {
        let _ = write!(h, "<fieldset><legend>{}</legend>", esc(&p.titolo));
        for c in &p.campi {
            h.push_str(&campo(
                c,
                chi,
                inseriti.get(&c.nome.value),
                errori.get(&c.nome.value),
            ));
        }
        h.push_str("</fieldset>");
    }
    h.push_str(&dichiarazioni(s, inseriti.contains_key("dichiaro")));
    if let Some(pg) = &s.modulo.pagamento {
        let link = pg
            .url
            .as_ref()
            .map(|u| {
                format!(
                    " <a href=\"{}\">Vai al portale dei pagamenti pagoPA</a>",
                    esc(&u.to_string())
                )
            })
            .unwrap_or_default();
        let _ = write!(h, "<h2>Pagamento</h2><p>{}{link}</p>", esc(&pg.istruzioni));
    }
    h.push_str("<p class=\"azioni\"><button class=\"btn\" type=\"submit\" name=\"azione\" value=\"riepilogo\">Vai al riepilogo</button> <button class=\"btn btn-secondario\" type=\"submit\" name=\"azione\" value=\"salva\">Salva la bozza</button></p></form>");
    h
}

/// The form's declarations as list items.
fn voci_dichiarazioni(s: &ServizioOnline) -> String {
    s.modulo
        .dichiarazioni
        .iter()
        .map(|d| {
            format!(
                "<li>{} (art. {} DPR 445/2000)</li>",
                esc(&d.testo),
                d.articolo.value
            )
        })
        .collect()
}

fn dichiarazioni(s: &ServizioOnline, spuntato: bool) -> String {
    let voci = voci_dichiarazioni(s);
    let elenco = if voci.is_empty() {
        String::new()
    } else {
        format!("<p>Dichiaro:</p><ul>{voci}</ul>")
    };
    format!(
        "<fieldset><legend>Dichiarazioni</legend>{elenco}<p>Le informazioni che hai fornito hanno valore di dichiarazione.</p>\
<p><input type=\"checkbox\" id=\"campo-dichiaro\" name=\"dichiaro\" value=\"si\" required{}> <label for=\"campo-dichiaro\">{} *</label></p></fieldset>",
        if spuntato { " checked" } else { "" },
        esc(modulo::AVVERTENZA_445)
    )
}

/// One field: label, hint, condition in words, the control, its error.
fn campo(c: &Campo, chi: &Sessione, valore: Option<&Valore>, errore: Option<&String>) -> String {
    let nome = esc(&c.nome.value);
    let id = format!("campo-{nome}");
    let obbligo = if c.obbligatorio { " *" } else { "" };
    let mut aiuti = Vec::new();
    if let Some(se) = &c.se {
        aiuti.push(format!(
            "Da compilare solo se «{}» è «{}».",
            esc(&se.campo.value.replace('_', " ")),
            esc(&se.valore)
        ));
    }
    if let Some(a) = &c.aiuto {
        aiuti.push(esc(a));
    }
    if c.tipo.value == TipoCampo::Allegato {
        aiuti.push(format!(
            "File {} fino a {} MB.",
            c.tipi_file.join(", ").to_uppercase(),
            c.max_mb
                .map_or(allegati::MAX_BYTE / 1024 / 1024, |m| m as usize)
        ));
    }
    let dall_identita = c.da_identita.map(|i| match i {
        modulo::Identita::Nome => chi.nome.clone(),
        modulo::Identita::Cognome => chi.cognome.clone(),
        modulo::Identita::CodiceFiscale => chi.codice_fiscale.clone(),
        modulo::Identita::Email => chi.email.clone().unwrap_or_default(),
    });
    if dall_identita.is_some() {
        aiuti.push("Dato della tua identità digitale: non si può modificare.".into());
    }
    let descr = format!("{id}-aiuto");
    let aiuto = if aiuti.is_empty() {
        String::new()
    } else {
        format!("<p class=\"aiuto\" id=\"{descr}\">{}</p>", aiuti.join(" "))
    };
    let err = errore
        .map(|m| {
            format!(
                "<p class=\"errore-campo\" id=\"{id}-errore\">{}</p>",
                esc(m)
            )
        })
        .unwrap_or_default();
    let mut attr = String::new();
    let descritto: Vec<String> = [
        (!aiuto.is_empty()).then(|| descr.clone()),
        errore.map(|_| format!("{id}-errore")),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !descritto.is_empty() {
        let _ = write!(attr, " aria-describedby=\"{}\"", descritto.join(" "));
    }
    if errore.is_some() {
        attr.push_str(" aria-invalid=\"true\"");
    }
    if c.obbligatorio && c.se.is_none() {
        attr.push_str(" required");
    }
    let testo = match (dall_identita, valore) {
        (Some(v), _) => v,
        (None, Some(Valore::Testo(t))) => t.clone(),
        _ => String::new(),
    };
    let scelte: Vec<String> = match valore {
        Some(Valore::Lista(l)) => l.clone(),
        Some(Valore::Testo(t)) => vec![t.clone()],
        _ => Vec::new(),
    };
    let etichetta = format!("{}{obbligo}", esc(&c.etichetta));
    let controllo = match c.tipo.value {
        TipoCampo::Scelta | TipoCampo::Caselle => {
            return gruppo(c, &id, &etichetta, &scelte, &attr, &aiuto, &err);
        }
        TipoCampo::TestoLungo => format!(
            "<textarea id=\"{id}\" name=\"{nome}\" rows=\"5\" maxlength=\"{}\"{attr}>{}</textarea>",
            c.max_caratteri.unwrap_or(4000),
            esc(&testo)
        ),
        TipoCampo::Allegato => {
            let accept: Vec<String> = c.tipi_file.iter().map(|t| format!(".{t}")).collect();
            let gia = match valore {
                Some(Valore::File { nome, .. }) => format!(
                    "<p class=\"aiuto\">Hai già allegato «{}»: scegli un altro file solo per sostituirlo.</p>",
                    esc(nome)
                ),
                _ => String::new(),
            };
            format!(
                "{gia}<input type=\"file\" id=\"{id}\" name=\"{nome}\" accept=\"{}\"{attr}>",
                esc(&accept.join(","))
            )
        }
        t => {
            let (tipo, extra) = tipo_input(t, c);
            let sola = if c.da_identita.is_some() {
                " readonly"
            } else {
                ""
            };
            format!("<input type=\"{tipo}\" id=\"{id}\" name=\"{nome}\" value=\"{}\"{extra}{sola}{attr}>", esc(&testo))
        }
    };
    format!(
        "<div class=\"campo\"><label for=\"{id}\">{etichetta}</label>{aiuto}{controllo}{err}</div>"
    )
}

fn tipo_input(t: TipoCampo, c: &Campo) -> (&'static str, String) {
    match t {
        TipoCampo::Numero => {
            let mut e = String::from(" inputmode=\"decimal\"");
            if let Some(m) = c.min {
                let _ = write!(e, " min=\"{m}\"");
            }
            if let Some(m) = c.max {
                let _ = write!(e, " max=\"{m}\"");
            }
            ("number", e)
        }
        TipoCampo::Data => ("date", String::new()),
        TipoCampo::Email => ("email", " autocomplete=\"email\"".into()),
        TipoCampo::Telefono => ("tel", " autocomplete=\"tel\"".into()),
        TipoCampo::CodiceFiscale => (
            "text",
            " autocapitalize=\"characters\" spellcheck=\"false\" maxlength=\"16\"".into(),
        ),
        TipoCampo::Iban => (
            "text",
            " autocapitalize=\"characters\" spellcheck=\"false\" maxlength=\"34\"".into(),
        ),
        _ => ("text", String::new()),
    }
}

/// A choice: radio buttons, a select or a list to type in; checkboxes.
fn gruppo(
    c: &Campo,
    id: &str,
    etichetta: &str,
    scelte: &[String],
    attr: &str,
    aiuto: &str,
    err: &str,
) -> String {
    let nome = esc(&c.nome.value);
    let caselle = c.tipo.value == TipoCampo::Caselle;
    let widget = if caselle {
        "radio"
    } else {
        modulo::widget_scelta(c.opzioni.len())
    };
    if widget == "select" {
        let opzioni: String = c
            .opzioni
            .iter()
            .map(|o| {
                format!(
                    "<option{}>{}</option>",
                    if scelte.contains(o) { " selected" } else { "" },
                    esc(o)
                )
            })
            .collect();
        return format!("<div class=\"campo\"><label for=\"{id}\">{etichetta}</label>{aiuto}<select id=\"{id}\" name=\"{nome}\"{attr}><option value=\"\">Scegli</option>{opzioni}</select>{err}</div>");
    }
    if widget == "autocomplete" {
        let opzioni: String = c
            .opzioni
            .iter()
            .map(|o| format!("<option value=\"{}\">", esc(o)))
            .collect();
        let v = scelte.first().map(|s| esc(s)).unwrap_or_default();
        return format!("<div class=\"campo\"><label for=\"{id}\">{etichetta}</label>{aiuto}<input id=\"{id}\" name=\"{nome}\" list=\"{id}-elenco\" value=\"{v}\"{attr}><datalist id=\"{id}-elenco\">{opzioni}</datalist>{err}</div>");
    }
    let tipo = if caselle { "checkbox" } else { "radio" };
    let voci: String = c
        .opzioni
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let spunta = if scelte.contains(o) { " checked" } else { "" };
            format!("<p><input type=\"{tipo}\" id=\"{id}-{i}\" name=\"{nome}\" value=\"{}\"{spunta}> <label for=\"{id}-{i}\">{}</label></p>", esc(o), esc(o))
        })
        .collect();
    let invalido = if attr.contains("aria-invalid") {
        " aria-invalid=\"true\""
    } else {
        ""
    };
    format!("<fieldset class=\"campo\" id=\"{id}\"{invalido}><legend>{etichetta}</legend>{aiuto}{voci}{err}</fieldset>")
}

/// A file sent with the form, checked by content (`allegati::prepara`).
pub struct FileInviato {
    pub campo: String,
    pub file: allegati::Allegato,
}

/// The values of a multipart form, by the form's field types: checkboxes as lists, files as
/// names and sizes (their content travels apart). Errors of files (wrong content, too big) are
/// per field.
pub fn valori(
    s: &ServizioOnline,
    testi: &[(String, String)],
    file: Vec<(String, String, Vec<u8>)>,
) -> (Inseriti, Vec<FileInviato>, BTreeMap<String, String>) {
    let mut v = Inseriti::new();
    let mut errori = BTreeMap::new();
    let tipi: BTreeMap<&str, TipoCampo> = s
        .modulo
        .campi()
        .map(|c| (c.nome.value.as_str(), c.tipo.value))
        .collect();
    for (k, x) in testi {
        match (k.as_str(), tipi.get(k.as_str())) {
            ("privacy" | "dichiaro" | "chiave", _) => {
                v.insert(k.clone(), Valore::Testo(x.clone()));
            }
            (_, Some(TipoCampo::Caselle)) => {
                if let Valore::Lista(l) = v.entry(k.clone()).or_insert(Valore::Lista(Vec::new())) {
                    l.push(x.clone());
                }
            }
            (_, Some(TipoCampo::Allegato)) | (_, None) => {}
            _ => {
                v.insert(k.clone(), Valore::Testo(x.clone()));
            }
        }
    }
    let mut inviati = Vec::new();
    for (i, (campo, nome, dati)) in file.into_iter().enumerate() {
        if dati.is_empty()
            || !tipi
                .get(campo.as_str())
                .is_some_and(|t| *t == TipoCampo::Allegato)
        {
            continue;
        }
        match allegati::prepara(&nome, &dati, i + 1) {
            Ok(f) => {
                v.insert(
                    campo.clone(),
                    Valore::File {
                        nome: f.nome.clone(),
                        byte: f.dati.len() as u64,
                    },
                );
                inviati.push(FileInviato { campo, file: f });
            }
            Err(m) => {
                errori.insert(campo, m);
            }
        }
    }
    (v, inviati, errori)
}

/// The confirmation page's body.
pub fn conferma(p: &Pratica, email: Option<&str>, quando: &str, area: &str) -> String {
    let posta = email
        .map(|e| {
            format!(
                "<p>Ti abbiamo inviato una email di conferma a {}.</p>",
                esc(e)
            )
        })
        .unwrap_or_default();
    format!(
        "<div role=\"status\"><h2>Istanza inviata</h2><p>Il Comune ha ricevuto la tua istanza «{titolo}» {quando}.</p><p>Numero di pratica: <strong>{numero}</strong></p></div>{posta}\
<h2>Cosa succede adesso</h2><p>L'ufficio protocolla la pratica e la esamina; se servono altri documenti te li chiede qui. Puoi seguire lo stato della pratica nell'<a href=\"{area}pratiche/{numero}\">area personale</a>.</p><p><a class=\"btn\" href=\"{area}pratiche/{numero}/ricevuta.pdf\" download>Scarica la ricevuta (PDF)</a></p>\
<p>Impronta SHA-256 dei dati dichiarati: <code>{impronta}</code></p>",
        titolo = esc(&p.titolo),
        quando = esc(quando),
        numero = esc(&p.numero),
        area = esc(area),
        impronta = esc(&p.impronta)
    )
}

/// The riepilogo before sending: every value given (files by name), the declarations, and the
/// button that sends; "Modifica" goes back to the form with the draft.
pub fn riepilogo(s: &ServizioOnline, valori: &Inseriti, bozza: &str, chiave: &str) -> String {
    let voci: String = s
        .modulo
        .campi()
        .filter_map(|c| {
            let v = match valori.get(&c.nome.value)? {
                Valore::Testo(t) if t.trim().is_empty() => return None,
                Valore::Testo(t) => t.clone(),
                Valore::Lista(l) if l.is_empty() => return None,
                Valore::Lista(l) => l.join(", "),
                Valore::File { nome, .. } => format!("file {nome}"),
            };
            Some(format!(
                "<dt>{}</dt><dd>{}</dd>",
                esc(&c.etichetta),
                esc(&v)
            ))
        })
        .collect();
    let dichiarazioni = voci_dichiarazioni(s);
    format!(
        "<h2>Riepilogo</h2><p>Controlla i dati prima di inviarli.</p><dl class=\"riepilogo\">{voci}</dl>\
<h2>Dichiarazioni</h2><ul>{dichiarazioni}<li>{}</li></ul><p><strong>Le informazioni che hai fornito hanno valore di dichiarazione.</strong></p>\
<form method=\"post\" action=\"invia\"><input type=\"hidden\" name=\"bozza\" value=\"{b}\"><input type=\"hidden\" name=\"chiave\" value=\"{}\">\
<p class=\"azioni\"><button class=\"btn\" type=\"submit\">Invia l'istanza</button> <a href=\"../{}?bozza={b}\">Modifica i dati</a></p></form>",
        esc(modulo::AVVERTENZA_445),
        esc(chiave),
        esc(&s.slug),
        b = esc(bozza),
    )
}
