//! Open data of a comune (art. 7 D.Lgs. 33/2013, art. 52 CAD): `/opendata/` publishes the
//! notizie, eventi, servizi, luoghi and uffici as CSV and JSON, and a DCAT-AP_IT catalogue
//! (`catalogo.jsonld`) that describes them and the ANAC tables of Amministrazione trasparente,
//! all under CC-BY 4.0.

use serde_json::{json, Value};

use crate::content::kinds::Meta;
use crate::model::Site;
use civico_core::vocabolari;

pub const LICENZA: &str = "https://creativecommons.org/licenses/by/4.0/";

/// One dataset: its file base name, title, description, columns and rows.
pub struct Dataset {
    pub nome: &'static str,
    pub titolo: &'static str,
    pub descrizione: &'static str,
    /// EU data theme (DCAT-AP) of the dataset.
    pub tema: &'static str,
    pub colonne: Vec<&'static str>,
    pub righe: Vec<Vec<String>>,
}

/// The datasets a comune publishes, as they would be listed on `/opendata/`.
pub const ELENCO: [(&str, &str, &str); 5] = [
    (
        "notizie",
        "Notizie, comunicati e avvisi",
        "Le notizie pubblicate dal Comune, con data, tipo e argomenti",
    ),
    (
        "eventi",
        "Eventi",
        "Gli eventi del territorio con date, luogo e prossima data",
    ),
    (
        "servizi",
        "Servizi",
        "Le schede dei servizi al cittadino con categoria, stato e ufficio responsabile",
    ),
    (
        "luoghi",
        "Luoghi",
        "I luoghi di interesse con indirizzo e coordinate",
    ),
    (
        "uffici",
        "Uffici",
        "Le unità organizzative con i loro recapiti",
    ),
];

fn url(site: &Site<'_>, i: usize) -> String {
    format!("{}{}", site.content.comune.base_url, site.doc_urls[i])
}

fn argomenti(m: &Meta) -> String {
    m.argomenti()
        .iter()
        .map(|a| a.value.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The datasets of a comune.
pub fn datasets(site: &Site<'_>, today: chrono::NaiveDate) -> Vec<Dataset> {
    let docs = &site.content.docs;
    let v = vocabolari::get();
    let titolo_di = |key: &str| {
        site.targets
            .get(key)
            .map(|t| t.titolo.clone())
            .unwrap_or_default()
    };
    let mut sets: Vec<Dataset> = ELENCO
        .iter()
        .map(|(nome, titolo, descrizione)| Dataset {
            nome,
            titolo,
            descrizione,
            tema: match *nome {
                "eventi" | "luoghi" => "EDUC",
                "uffici" | "servizi" | "notizie" => "GOVE",
                _ => "GOVE",
            },
            colonne: match *nome {
                "notizie" => vec!["titolo", "tipo", "data", "descrizione", "argomenti", "url"],
                "eventi" => vec![
                    "titolo",
                    "tipo",
                    "inizio",
                    "fine",
                    "prossima_data",
                    "luogo",
                    "descrizione",
                    "argomenti",
                    "url",
                ],
                "servizi" => vec![
                    "titolo",
                    "categoria",
                    "descrizione",
                    "attivo",
                    "ufficio_responsabile",
                    "accesso_online",
                    "argomenti",
                    "url",
                ],
                "luoghi" => vec![
                    "titolo",
                    "tipo",
                    "indirizzo",
                    "cap",
                    "latitudine",
                    "longitudine",
                    "url",
                ],
                _ => vec!["titolo", "tipo", "telefono", "email", "pec", "url"],
            },
            righe: Vec::new(),
        })
        .collect();
    for (i, d) in docs.iter().enumerate() {
        let (k, row) = match &d.meta {
            Meta::Notizia(n) => (
                0,
                vec![
                    n.titolo.clone(),
                    n.tipo.singolare().to_string(),
                    n.data.0.to_string(),
                    n.descrizione_breve.value.clone(),
                    argomenti(&d.meta),
                    url(site, i),
                ],
            ),
            Meta::Evento(e) => (
                1,
                vec![
                    e.titolo.clone(),
                    v.tipo_evento(&e.tipo_evento.value)
                        .unwrap_or(&e.tipo_evento.value)
                        .to_string(),
                    e.inizio.data.to_string(),
                    e.fine.map(|f| f.data.to_string()).unwrap_or_default(),
                    e.prossima(today).map(|p| p.to_string()).unwrap_or_default(),
                    e.luogo
                        .as_ref()
                        .map(|r| titolo_di(&r.key))
                        .or_else(|| e.indirizzo.clone())
                        .unwrap_or_default(),
                    e.descrizione_breve.value.clone(),
                    argomenti(&d.meta),
                    url(site, i),
                ],
            ),
            Meta::Servizio(s) => (
                2,
                vec![
                    s.titolo.clone(),
                    s.categorie
                        .first()
                        .and_then(|c| v.categoria(&c.value))
                        .map(|c| c.nome.clone())
                        .unwrap_or_default(),
                    s.descrizione_breve.value.clone(),
                    if s.attivo { "sì" } else { "no" }.into(),
                    titolo_di(&s.ufficio_responsabile.key),
                    s.accedi_online
                        .as_ref()
                        .map(|x| x.value.to_string())
                        .unwrap_or_default(),
                    argomenti(&d.meta),
                    url(site, i),
                ],
            ),
            Meta::Luogo(l) => (
                3,
                vec![
                    l.titolo.clone(),
                    l.tipo_luogo
                        .as_ref()
                        .map(|t| t.value.clone())
                        .unwrap_or_default(),
                    l.indirizzo.clone(),
                    l.cap.clone(),
                    l.geo.lat.to_string(),
                    l.geo.lon.to_string(),
                    url(site, i),
                ],
            ),
            Meta::Ufficio(u) => (
                4,
                vec![
                    u.titolo.clone(),
                    u.tipo.value.clone(),
                    u.contatti.telefono.clone().unwrap_or_default(),
                    u.contatti.email.clone().unwrap_or_default(),
                    u.contatti.pec.clone().unwrap_or_default(),
                    url(site, i),
                ],
            ),
            _ => continue,
        };
        sets[k].righe.push(row);
    }
    for s in &mut sets {
        s.righe.sort();
    }
    sets
}

/// A table as CSV with a header row (also used for the ANAC tables).
pub fn csv(colonne: &[&str], righe: &[Vec<String>]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(colonne);
    for r in righe {
        let _ = w.write_record(r);
    }
    w.into_inner().unwrap_or_default()
}

/// A table's rows as JSON objects keyed by column name, in column order (also used for the
/// ANAC tables). Serialized as it is written: a table of every document of a large comune is
/// never copied into JSON values first.
pub struct Oggetti<'a, C: AsRef<str>> {
    pub colonne: &'a [C],
    pub righe: &'a [Vec<String>],
}

impl<C: AsRef<str>> serde::Serialize for Oggetti<'_, C> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        let mut seq = s.serialize_seq(Some(self.righe.len()))?;
        for r in self.righe {
            seq.serialize_element(&Riga(self.colonne, r))?;
        }
        return seq.end();

        struct Riga<'r, C>(&'r [C], &'r [String]);
        impl<C: AsRef<str>> serde::Serialize for Riga<'_, C> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let n = self.0.len().min(self.1.len());
                let mut map = s.serialize_map(Some(n))?;
                for (c, v) in self.0.iter().zip(self.1) {
                    map.serialize_entry(c.as_ref(), v)?;
                }
                map.end()
            }
        }
    }
}

fn json_of(d: &Dataset) -> Vec<u8> {
    #[derive(serde::Serialize)]
    struct Doc<'a> {
        titolo: &'a str,
        licenza: &'a str,
        dati: Oggetti<'a, &'a str>,
    }
    let doc = Doc {
        titolo: d.titolo,
        licenza: LICENZA,
        dati: Oggetti {
            colonne: &d.colonne,
            righe: &d.righe,
        },
    };
    serde_json::to_vec_pretty(&doc).unwrap_or_default()
}

/// The DCAT-AP_IT catalogue (JSON-LD) of the datasets and of the ANAC tables.
fn catalogo(site: &Site<'_>, sets: &[Dataset], today: chrono::NaiveDate) -> Vec<u8> {
    let c = &site.content.comune;
    let base = &c.base_url;
    let publisher = json!({
        "@type": ["foaf:Agent", "dcatapit:Agent"],
        "foaf:name": format!("Comune di {}", c.config.nome),
        "dct:identifier": c.config.codice_ipa,
    });
    let dist = |url: String, fmt: &str| {
        json!({
            "@type": "dcat:Distribution",
            "dcat:accessURL": {"@id": url},
            "dcat:downloadURL": {"@id": url},
            "dct:format": {"@id": format!("http://publications.europa.eu/resource/authority/file-type/{fmt}")},
            "dct:license": {"@id": LICENSE_ID},
        })
    };
    let mut datasets: Vec<Value> = sets
        .iter()
        .map(|d| json!({
            "@type": ["dcat:Dataset", "dcatapit:Dataset"],
            "@id": format!("{base}/opendata/#{}", d.nome),
            "dct:identifier": format!("{}:{}", c.config.codice_ipa, d.nome),
            "dct:title": d.titolo,
            "dct:description": d.descrizione,
            "dct:modified": today.to_string(),
            "dct:publisher": publisher,
            "dct:rightsHolder": publisher,
            "dct:accrualPeriodicity": {"@id": "http://publications.europa.eu/resource/authority/frequency/IRREG"},
            "dcat:theme": {"@id": format!("http://publications.europa.eu/resource/authority/data-theme/{}", d.tema)},
            "dct:language": {"@id": "http://publications.europa.eu/resource/authority/language/ITA"},
            "dcat:distribution": [
                dist(format!("{base}/opendata/{}.csv", d.nome), "CSV"),
                dist(format!("{base}/opendata/{}.json", d.nome), "JSON"),
            ],
        }))
        .collect();
    for (path, _) in site.data_files.iter().filter(|(p, _)| p.ends_with(".csv")) {
        let name = path
            .rsplit('/')
            .next()
            .unwrap_or(path)
            .trim_end_matches(".csv");
        let json_path = path.replace(".csv", ".json");
        datasets.push(json!({
            "@type": ["dcat:Dataset", "dcatapit:Dataset"],
            "@id": format!("{base}{path}"),
            "dct:identifier": format!("{}:{}", c.config.codice_ipa, name),
            "dct:title": format!("Amministrazione trasparente: {}", name.replace('-', " ")),
            "dct:description": "Dati pubblicati secondo gli schemi standard ANAC (delibera 495/2024)",
            "dct:modified": today.to_string(),
            "dct:publisher": publisher,
            "dct:rightsHolder": publisher,
            "dct:accrualPeriodicity": {"@id": "http://publications.europa.eu/resource/authority/frequency/QUARTERLY"},
            "dcat:theme": {"@id": "http://publications.europa.eu/resource/authority/data-theme/GOVE"},
            "dct:language": {"@id": "http://publications.europa.eu/resource/authority/language/ITA"},
            "dcat:distribution": [dist(format!("{base}{path}"), "CSV"), dist(format!("{base}{json_path}"), "JSON")],
        }));
    }
    let doc = json!({
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/",
            "dcatapit": "http://dati.gov.it/onto/dcatapit#",
        },
        "@type": ["dcat:Catalog", "dcatapit:Catalog"],
        "@id": format!("{base}/opendata/catalogo.jsonld"),
        "dct:title": format!("Dati aperti del Comune di {}", c.config.nome),
        "dct:description": "Catalogo dei dati aperti pubblicati sul sito istituzionale",
        "dct:publisher": publisher,
        "dct:modified": today.to_string(),
        "dct:language": {"@id": "http://publications.europa.eu/resource/authority/language/ITA"},
        "foaf:homepage": {"@id": format!("{base}/opendata/")},
        "dct:license": {"@id": LICENSE_ID},
        "dcat:dataset": datasets,
    });
    serde_json::to_vec_pretty(&doc).unwrap_or_default()
}

const LICENSE_ID: &str = "https://w3id.org/italia/controlled-vocabulary/licences/A21_CCBY40";

/// Every open-data file of a comune.
pub fn files(site: &Site<'_>, today: chrono::NaiveDate) -> Vec<(String, Vec<u8>)> {
    let sets = datasets(site, today);
    let mut out = Vec::new();
    for d in &sets {
        out.push((
            format!("/opendata/{}.csv", d.nome),
            csv(&d.colonne, &d.righe),
        ));
        out.push((format!("/opendata/{}.json", d.nome), json_of(d)));
    }
    out.push((
        "/opendata/catalogo.jsonld".into(),
        catalogo(site, &sets, today),
    ));
    out
}
