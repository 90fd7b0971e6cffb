//! The booking register on both databases: every scenario runs on SQLite and on a throwaway
//! PostgreSQL server started on loopback for the test (skipped with a message where PostgreSQL
//! is not installed; CI sets CIVICO_PG=require). Concurrency, holds, cancel and move by token,
//! reminders once, tenant isolation, idempotent retries, retention.
#![cfg(feature = "sportello")]

use crate::common;
use chrono::{DateTime, Duration, Utc};
use civico_sportello::db::{Dove, Pool};
use civico_sportello::registro::{
    self, Composto, Dati, Email, Fallito, Origine, Posto, Prenotato, Prenotazione, Rifiuto,
    MIGRAZIONI,
};

/// A database for one test: a SQLite file or a fresh PostgreSQL server.
struct Db {
    pool: Pool,
    _keep: Box<dyn std::any::Any>,
}

fn sqlite() -> Db {
    let dir = tempfile::tempdir().unwrap();
    let pool = Pool::apri(Dove::Sqlite(dir.path().join("s.sqlite")), MIGRAZIONI).unwrap();
    Db {
        pool,
        _keep: Box::new(dir),
    }
}

fn postgres() -> Option<Db> {
    let pg = common::Postgres::start()?;
    let pool = Pool::apri(Dove::da(&pg.url), MIGRAZIONI).unwrap();
    Some(Db {
        pool,
        _keep: Box::new(pg),
    })
}

/// One test per backend for each scenario.
macro_rules! both {
    ($name:ident) => {
        mod $name {
            #[test]
            fn sqlite() {
                super::$name(super::sqlite());
            }
            #[test]
            fn postgres() {
                if let Some(db) = super::postgres() {
                    super::$name(db);
                }
            }
        }
    };
}

fn ora() -> DateTime<Utc> {
    "2026-11-23T08:00:00Z".parse().unwrap()
}
fn t() -> DateTime<Utc> {
    "2026-12-07T08:00:00Z".parse().unwrap()
}
fn posto(comune: &str, inizio: DateTime<Utc>, capienza: u32) -> Posto {
    Posto {
        comune: comune.into(),
        sportello: "anagrafe".into(),
        inizio,
        fine: inizio + Duration::minutes(30),
        capienza,
    }
}
fn dati(email: &str) -> Dati {
    Dati {
        nome: "Maria".into(),
        cognome: "Bianchi".into(),
        email: email.into(),
        motivo: Some("Carta d'identità".into()),
        dettagli: "Rinnovo".into(),
    }
}
fn mail(p: &Prenotazione, oggetto: &str) -> Email {
    Email {
        destinatario: p.email.clone(),
        oggetto: format!("{oggetto} {}", p.codice),
        testo: "testo".into(),
        ics: None,
        allegati: Vec::new(),
    }
}
fn componi(p: &Prenotazione) -> Composto {
    Composto {
        risposta: format!("{{\"codice\":\"{}\",\"token\":\"{}\"}}", p.codice, p.token),
        email: Some(mail(p, "Conferma")),
    }
}
fn fine(_: &str, i: DateTime<Utc>) -> Option<DateTime<Utc>> {
    Some(i + Duration::minutes(30))
}

fn book(
    pool: &Pool,
    po: &Posto,
    email: &str,
    chiave: Option<&str>,
    quando: DateTime<Utc>,
) -> Result<Prenotato, Fallito> {
    let mut c = pool.prendi().unwrap();
    registro::prenota(
        &mut c,
        &po.comune,
        Origine::Diretta(po),
        &dati(email),
        2,
        chiave,
        quando,
        fine,
        componi,
        None,
    )
}

fn nuova(e: Result<Prenotato, Fallito>) -> Prenotazione {
    match e {
        Ok(Prenotato::Nuova(p, _)) => *p,
        other => panic!("expected a new booking, got {other:?}"),
    }
}

fn queued(pool: &Pool) -> Vec<(String, Email)> {
    let mut c = pool.prendi().unwrap();
    registro::da_inviare(&mut c, ora() + Duration::days(400), 1000)
        .unwrap()
        .into_iter()
        .map(|(_, comune, e)| (comune, e))
        .collect()
}

fn fifty_clients_on_a_slot_of_three(db: Db) {
    let po = posto("valfiorita", t(), 3);
    // Half take a hold and then book, half book directly: all at once.
    let results: Vec<Result<Prenotato, Fallito>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..50)
            .map(|i| {
                let (pool, po) = (&db.pool, &po);
                s.spawn(move || {
                    if i % 2 == 0 {
                        book(pool, po, &format!("p{i}@example.it"), None, ora())
                    } else {
                        let mut c = pool.prendi().unwrap();
                        match registro::trattieni(&mut c, po, 10, ora()) {
                            Ok((h, _)) => registro::prenota(
                                &mut c,
                                "valfiorita",
                                Origine::Trattenuta(&h),
                                &dati(&format!("p{i}@example.it")),
                                2,
                                None,
                                ora(),
                                fine,
                                componi,
                                None,
                            ),
                            Err(e) => Err(e),
                        }
                    }
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let ok: Vec<_> = results
        .iter()
        .filter_map(|r| match r {
            Ok(Prenotato::Nuova(p, _)) => Some(p.codice.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(ok.len(), 3, "exactly the capacity: {results:?}");
    let refused = results
        .iter()
        .filter(|r| matches!(r, Err(Fallito::Rifiuto(Rifiuto::Pieno))))
        .count();
    assert_eq!(refused, 47, "the rest are clean refusals: {results:?}");
    let codes: std::collections::HashSet<_> = ok.iter().collect();
    assert_eq!(codes.len(), 3);
    let mut c = db.pool.prendi().unwrap();
    let occ = registro::occupati(&mut c, "valfiorita", "anagrafe", t(), t(), ora()).unwrap();
    assert_eq!(occ[&t()], (3, 3));
    let list = registro::elenco(&mut c, "valfiorita", None, t(), t() + Duration::hours(1)).unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!(
        queued(&db.pool).len(),
        3,
        "one confirmation each, queued with the booking"
    );
}
both!(fifty_clients_on_a_slot_of_three);

fn holds_expire(db: Db) {
    let po = posto("valfiorita", t(), 1);
    let mut c = db.pool.prendi().unwrap();
    let (h, scade) = registro::trattieni(&mut c, &po, 10, ora()).unwrap();
    assert_eq!(scade, ora() + Duration::minutes(10));
    assert!(matches!(
        registro::trattieni(&mut c, &po, 10, ora() + Duration::minutes(9)),
        Err(Fallito::Rifiuto(Rifiuto::Pieno))
    ));
    // The availability query no longer counts it once expired, before anyone touches it.
    let dopo = ora() + Duration::minutes(10);
    let occ = registro::occupati(&mut c, "valfiorita", "anagrafe", t(), t(), dopo).unwrap();
    assert_eq!(occ[&t()].0, 0);
    // The jobs give the seat back; the late citizen is told, someone else books.
    registro::pulizia(&mut c, dopo).unwrap();
    let r = registro::prenota(
        &mut c,
        "valfiorita",
        Origine::Trattenuta(&h),
        &dati("a@example.it"),
        2,
        None,
        dopo,
        fine,
        componi,
        None,
    );
    assert!(
        matches!(r, Err(Fallito::Rifiuto(Rifiuto::TrattenutaScaduta))),
        "{r:?}"
    );
    drop(c);
    nuova(book(&db.pool, &po, "b@example.it", None, dopo));
    // A hold used in time becomes the booking, without taking a second seat.
    let po2 = posto("valfiorita", t() + Duration::hours(1), 1);
    let mut c = db.pool.prendi().unwrap();
    let (h2, _) = registro::trattieni(&mut c, &po2, 10, ora()).unwrap();
    let r = registro::prenota(
        &mut c,
        "valfiorita",
        Origine::Trattenuta(&h2),
        &dati("c@example.it"),
        2,
        None,
        ora() + Duration::minutes(5),
        fine,
        componi,
        None,
    );
    let p = nuova(r);
    assert_eq!(p.inizio, po2.inizio);
    let occ = registro::occupati(
        &mut c,
        "valfiorita",
        "anagrafe",
        po2.inizio,
        po2.inizio,
        ora(),
    )
    .unwrap();
    assert_eq!(occ[&po2.inizio], (1, 1));
}
both!(holds_expire);

fn cancel_and_move_by_token(db: Db) {
    let po = posto("valfiorita", t(), 1);
    let p = nuova(book(&db.pool, &po, "Mario@Example.it", None, ora()));
    assert_eq!(p.email, "mario@example.it");
    assert_eq!(p.token.len(), 32);
    let c = db.pool.prendi().unwrap();
    // Move to a full slot: refused, nothing changes.
    let altro = posto("valfiorita", t() + Duration::hours(1), 1);
    drop(c);
    nuova(book(&db.pool, &altro, "altra@example.it", None, ora()));
    let mut c = db.pool.prendi().unwrap();
    assert!(matches!(
        registro::sposta(&mut c, &p.token, &altro, ora(), 24, |p, _| Some(mail(
            p, "Spostato"
        ))),
        Err(Fallito::Rifiuto(Rifiuto::Pieno))
    ));
    // Move to a free one: the old seat is free again, the new one taken.
    let libero = posto("valfiorita", t() + Duration::hours(2), 1);
    let m = registro::sposta(&mut c, &p.token, &libero, ora(), 24, |p, _| {
        Some(mail(p, "Spostato"))
    })
    .unwrap();
    assert_eq!(m.inizio, libero.inizio);
    let occ = registro::occupati(
        &mut c,
        "valfiorita",
        "anagrafe",
        t(),
        t() + Duration::hours(3),
        ora(),
    )
    .unwrap();
    assert_eq!(occ[&t()].0, 0);
    assert_eq!(occ[&libero.inizio].0, 1);
    // Too late to cancel online (cut-off 24 h; the appointment is 14 days away: 400 h is too much).
    assert!(matches!(
        registro::annulla(&mut c, "valfiorita", &p.token, ora(), 400, |_| None),
        Err(Fallito::Rifiuto(Rifiuto::Tardi))
    ));
    let a = registro::annulla(&mut c, "valfiorita", &p.token, ora(), 24, |p| {
        Some(mail(p, "Annullato"))
    })
    .unwrap();
    assert_eq!(a.stato, "annullata");
    assert!(matches!(
        registro::annulla(&mut c, "valfiorita", &p.token, ora(), 24, |_| None),
        Err(Fallito::Rifiuto(Rifiuto::Inesistente))
    ));
    // The record stays, as cancelled; its seat is free.
    assert_eq!(
        registro::trova(&mut c, "valfiorita", &p.token)
            .unwrap()
            .unwrap()
            .stato,
        "annullata"
    );
    let occ = registro::occupati(
        &mut c,
        "valfiorita",
        "anagrafe",
        libero.inizio,
        libero.inizio,
        ora(),
    )
    .unwrap();
    assert_eq!(occ[&libero.inizio].0, 0);
    let oggetti: Vec<_> = queued(&db.pool)
        .into_iter()
        .map(|(_, e)| e.oggetto)
        .collect();
    assert!(
        oggetti.iter().any(|o| o.starts_with("Spostato")),
        "{oggetti:?}"
    );
    assert!(
        oggetti.iter().any(|o| o.starts_with("Annullato")),
        "{oggetti:?}"
    );
}
both!(cancel_and_move_by_token);

fn reminders_once(db: Db) {
    for (i, h) in [2, 20, 30].iter().enumerate() {
        let po = posto("valfiorita", ora() + Duration::hours(*h), 5);
        nuova(book(
            &db.pool,
            &po,
            &format!("r{i}@example.it"),
            None,
            ora(),
        ));
    }
    let before = queued(&db.pool).len();
    // Two runs at once, then a third: each reminder is queued exactly once.
    let n: usize = std::thread::scope(|s| {
        let hs: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    let mut c = db.pool.prendi().unwrap();
                    registro::promemoria(&mut c, "valfiorita", ora(), Duration::hours(24), |p| {
                        mail(p, "Promemoria")
                    })
                    .unwrap()
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).sum()
    });
    assert_eq!(
        n, 2,
        "the appointments in 2 h and 20 h, not the one in 30 h"
    );
    let mut c = db.pool.prendi().unwrap();
    assert_eq!(
        registro::promemoria(&mut c, "valfiorita", ora(), Duration::hours(24), |p| mail(
            p,
            "Promemoria"
        ))
        .unwrap(),
        0
    );
    let promemoria = queued(&db.pool)
        .into_iter()
        .filter(|(_, e)| e.oggetto.starts_with("Promemoria"))
        .count();
    assert_eq!(promemoria, 2);
    assert_eq!(queued(&db.pool).len(), before + 2);
}
both!(reminders_once);

fn tenants_are_isolated(db: Db) {
    let a = nuova(book(
        &db.pool,
        &posto("valfiorita", t(), 1),
        "x@example.it",
        None,
        ora(),
    ));
    // Same office id and time in another comune: another slot.
    let b = nuova(book(
        &db.pool,
        &posto("castelmarino", t(), 1),
        "x@example.it",
        None,
        ora(),
    ));
    let mut c = db.pool.prendi().unwrap();
    // Castelmarino cannot read, cancel or move Valfiorita's booking with its token.
    assert!(registro::trova(&mut c, "castelmarino", &a.token)
        .unwrap()
        .is_none());
    assert!(registro::annulla(&mut c, "castelmarino", &a.token, ora(), 24, |_| None).is_err());
    assert!(registro::sposta(
        &mut c,
        &a.token,
        &posto("castelmarino", t() + Duration::hours(1), 1),
        ora(),
        24,
        |_, _| None
    )
    .is_err());
    // Nor through the operators' functions by code.
    assert!(
        registro::annulla_operatore(&mut c, "castelmarino", &a.codice, ora(), |_| None).is_err()
    );
    assert!(!registro::segna(&mut c, "castelmarino", &a.codice, "svolta", ora()).unwrap());
    let list =
        registro::elenco(&mut c, "castelmarino", None, t(), t() + Duration::hours(1)).unwrap();
    assert_eq!(
        list.iter().map(|p| &p.codice).collect::<Vec<_>>(),
        vec![&b.codice]
    );
    // Retention of one comune leaves the other alone.
    assert_eq!(
        registro::purga(&mut c, "castelmarino", t() + Duration::days(1)).unwrap(),
        1
    );
    assert!(registro::trova(&mut c, "valfiorita", &a.token)
        .unwrap()
        .is_some());
    assert!(registro::trova(&mut c, "castelmarino", &b.token)
        .unwrap()
        .is_none());
    assert_eq!(
        registro::elenco(&mut c, "valfiorita", None, t(), t() + Duration::hours(1))
            .unwrap()
            .len(),
        1
    );
}
both!(tenants_are_isolated);

fn idempotent_retries(db: Db) {
    let po = posto("valfiorita", t(), 5);
    // The same key sent 10 times at once: one booking, every answer the same.
    let answers: Vec<String> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..10)
            .map(|_| s.spawn(|| book(&db.pool, &po, "k@example.it", Some("chiave-0001"), ora())))
            .collect();
        hs.into_iter()
            .map(|h| match h.join().unwrap() {
                Ok(Prenotato::Nuova(_, r)) | Ok(Prenotato::Ripetuta(r)) => r,
                other => panic!("{other:?}"),
            })
            .collect()
    });
    assert!(
        answers
            .iter()
            .all(|a| a == &answers[0] && a.contains("codice")),
        "{answers:?}"
    );
    let mut c = db.pool.prendi().unwrap();
    assert_eq!(
        registro::elenco(&mut c, "valfiorita", None, t(), t() + Duration::hours(1))
            .unwrap()
            .len(),
        1
    );
    // The same key in another comune is another request.
    drop(c);
    nuova(book(
        &db.pool,
        &posto("castelmarino", t(), 5),
        "k@example.it",
        Some("chiave-0001"),
        ora(),
    ));
    // A refused request leaves no trace of its key: the retry is judged again.
    let pieno = posto("valfiorita", t() + Duration::hours(1), 1);
    nuova(book(&db.pool, &pieno, "a@example.it", None, ora()));
    assert!(matches!(
        book(&db.pool, &pieno, "b@example.it", Some("chiave-0002"), ora()),
        Err(Fallito::Rifiuto(Rifiuto::Pieno))
    ));
    assert!(matches!(
        book(&db.pool, &pieno, "b@example.it", Some("chiave-0002"), ora()),
        Err(Fallito::Rifiuto(Rifiuto::Pieno))
    ));
    // Past the per-person limit (2 upcoming at this office): refused.
    nuova(book(
        &db.pool,
        &posto("valfiorita", t() + Duration::hours(2), 5),
        "k@example.it",
        None,
        ora(),
    ));
    assert!(matches!(
        book(
            &db.pool,
            &posto("valfiorita", t() + Duration::hours(3), 5),
            "K@example.it",
            None,
            ora()
        ),
        Err(Fallito::Rifiuto(Rifiuto::Limite))
    ));
}
both!(idempotent_retries);

fn migrations_are_versioned_and_rerun_safely(db: Db) {
    // Opening again applies nothing twice.
    let dove = db.pool.dove().clone();
    let again = Pool::apri(dove, MIGRAZIONI).unwrap();
    let mut c = again.prendi().unwrap();
    let v = c
        .righe(
            "SELECT versione FROM versione_schema ORDER BY versione",
            &[],
        )
        .unwrap();
    assert_eq!(v.len(), MIGRAZIONI.len());
    // The CHECK constraint is a second guard against overbooking.
    nuova(book(
        &db.pool,
        &posto("valfiorita", t(), 1),
        "z@example.it",
        None,
        ora(),
    ));
    assert!(c
        .esegui(
            "UPDATE slot SET occupati = occupati + 1 WHERE comune = 'valfiorita'",
            &[]
        )
        .is_err());
}
both!(migrations_are_versioned_and_rerun_safely);

fn feedback_answers_per_comune(db: Db) {
    use civico_sportello::valutazioni::{self, Risposta};
    let r = |pagina: &str, v: i64, a: Option<&str>, t: &str| Risposta {
        pagina: pagina.into(),
        valutazione: v,
        risposta: a.map(str::to_string),
        dettaglio: t.into(),
    };
    let g = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
    let mut c = db.pool.prendi().unwrap();
    valutazioni::registra(
        &mut c,
        "valfiorita",
        &r(
            "/servizi/",
            2,
            Some("Ho avuto problemi tecnici"),
            "Il modulo non si apre",
        ),
        g("2026-11-20"),
    )
    .unwrap();
    valutazioni::registra(
        &mut c,
        "valfiorita",
        &r("/servizi/", 4, Some("Le indicazioni erano chiare"), ""),
        g("2026-11-21"),
    )
    .unwrap();
    valutazioni::registra(&mut c, "valfiorita", &r("/", 5, None, ""), g("2026-11-21")).unwrap();
    valutazioni::registra(
        &mut c,
        "castelmarino",
        &r("/servizi/", 1, None, "altro comune"),
        g("2026-11-21"),
    )
    .unwrap();
    let v = valutazioni::per_pagina(&mut c, "valfiorita", g("2026-01-01")).unwrap();
    assert_eq!(v.len(), 2, "{v:?}");
    // Lowest mean first: /servizi/ (3.0) before / (5.0); Castelmarino's answer not counted.
    assert_eq!(v[0].pagina, "/servizi/");
    assert_eq!((v[0].risposte, v[0].media), (2, 3.0));
    assert_eq!(v[0].stelle, [0, 1, 0, 1, 0]);
    assert_eq!(
        v[0].testi,
        vec![(
            "2026-11-20".to_string(),
            "Il modulo non si apre".to_string()
        )]
    );
    assert_eq!(
        valutazioni::elenco(&mut c, "valfiorita", g("2026-01-01"))
            .unwrap()
            .len(),
        3
    );
    // Retention: answers before the 21st go, for this comune only.
    assert_eq!(
        valutazioni::purga(&mut c, "valfiorita", g("2026-11-21")).unwrap(),
        1
    );
    assert_eq!(
        valutazioni::elenco(&mut c, "valfiorita", g("2026-01-01"))
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        valutazioni::elenco(&mut c, "castelmarino", g("2026-01-01"))
            .unwrap()
            .len(),
        1
    );
}
both!(feedback_answers_per_comune);

fn help_requests_per_comune(db: Db) {
    use civico_sportello::assistenza::{self, Richiesta};
    let r = Richiesta {
        nome: "Luca".into(),
        cognome: "Verdi".into(),
        email: "L@Example.it".into(),
        categoria: assistenza::URP.into(),
        servizio: "Informazioni generali".into(),
        descrizione: "Orari?".into(),
        privacy: true,
        altcha: None,
        sito_web: String::new(),
    };
    let mut c = db.pool.prendi().unwrap();
    let a = assistenza::registra(&mut c, "valfiorita", &r, Some("k1"), ora(), |codice| {
        assistenza::messaggi(codice, &r, "Valfiorita", "https://x", Some("urp@x.it"))
    })
    .unwrap();
    // The same key: the same code, nothing new stored or queued.
    let b = assistenza::registra(&mut c, "valfiorita", &r, Some("k1"), ora(), |_| {
        panic!("no second message")
    })
    .unwrap();
    assert_eq!(a, b);
    assistenza::registra(&mut c, "castelmarino", &r, Some("k1"), ora(), |_| {
        Vec::new()
    })
    .unwrap();
    let v = assistenza::elenco(&mut c, "valfiorita").unwrap();
    assert_eq!(v.len(), 1);
    assert_eq!(
        (v[0].email.as_str(), v[0].stato.as_str()),
        ("l@example.it", "nuova")
    );
    assert!(!assistenza::segna(&mut c, "castelmarino", &a, "chiusa").unwrap());
    assert!(assistenza::segna(&mut c, "valfiorita", &a, "chiusa").unwrap());
    drop(c);
    assert_eq!(queued(&db.pool).len(), 2, "citizen and office");
    let mut c = db.pool.prendi().unwrap();
    assert_eq!(
        assistenza::purga(&mut c, "valfiorita", ora() + Duration::seconds(1)).unwrap(),
        1
    );
    assert!(assistenza::elenco(&mut c, "valfiorita").unwrap().is_empty());
    assert_eq!(assistenza::elenco(&mut c, "castelmarino").unwrap().len(), 1);
}
both!(help_requests_per_comune);

mod segnalazione {
    use super::*;
    use civico_sportello::allegati::Allegato;
    use civico_sportello::config::Segnalazioni;
    use civico_sportello::segnalazioni::{self as sg, Azione, Nuova, Respinta};

    pub fn cfg() -> Segnalazioni {
        serde_saphyr::from_str(
            "categorie:\n  - nome: Strade\n    ufficio: Lavori pubblici\n    email: lavori@x.it\n    giorni: 10\n  - nome: Verde pubblico\n",
        )
        .unwrap()
    }

    pub fn nuova() -> Nuova {
        Nuova {
            categoria: "Strade".into(),
            titolo: "Buca".into(),
            dettagli: "Una buca profonda davanti al civico 12".into(),
            indirizzo: "Via Roma 12, 00902 Valfiorita".into(),
            lat: Some(45.123456),
            lon: Some(9.987654),
            nome: "Maria".into(),
            cognome: "Bianchi".into(),
            email: "Maria@Example.it".into(),
            telefono: "+39 333 1234567".into(),
            privacy: true,
            ..Default::default()
        }
    }

    pub fn foto() -> Allegato {
        Allegato {
            nome: "buca.jpg".into(),
            tipo: "image/jpeg",
            dati: vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 1, 2, 3, 255],
        }
    }

    /// Files one for `comune` at `quando`; its receipt.
    pub fn registra(
        c: &mut civico_sportello::db::Conn,
        comune: &str,
        n: &Nuova,
        chiave: Option<&str>,
        quando: DateTime<Utc>,
    ) -> sg::Ricevuta {
        sg::registra(
            c,
            comune,
            &cfg(),
            n,
            &[foto()],
            chiave,
            quando,
            |r, ufficio| {
                sg::messaggi_nuova(
                    r,
                    n,
                    ufficio,
                    Some("lavori@x.it"),
                    "Valfiorita",
                    "https://x",
                    chrono_tz::Europe::Rome,
                )
            },
        )
        .unwrap_or_else(|_| panic!("stored"))
    }

    pub fn agisci(
        c: &mut civico_sportello::db::Conn,
        comune: &str,
        codice: &str,
        a: Azione,
        quando: DateTime<Utc>,
    ) -> Result<sg::Scheda, Respinta> {
        let uffici = cfg().uffici();
        sg::agisci(
            c,
            comune,
            codice,
            &a,
            "anna",
            &uffici,
            quando,
            |x, nuovo, m| sg::messaggio_stato(x, nuovo, m, "Valfiorita", "https://x"),
        )
        .unwrap()
    }

    pub fn stato(s: &str, m: &str) -> Azione {
        Azione::Stato(s.into(), m.into())
    }
}

/// States with a message to the reporter at each change, routing and deadline by category,
/// the audit log, moderation and the public list, the yearly figure, tenant isolation and
/// retention.
fn segnalazioni_per_comune(db: Db) {
    let r = segnalazione_registered_and_isolated(&db);
    let t1 = ora() + Duration::hours(1);
    segnalazione_through_the_states(&db, &r, t1);
    let altra = segnalazioni_public_list(&db, t1);
    let t2 = ora() + Duration::days(2);
    segnalazione_solved_and_counted(&db, &r, t2);
    segnalazioni_retention(&db, &r, &altra, t2);
}

/// Stored, routed to its category's office with its deadline, mailed; another comune sees
/// nothing of it.
fn segnalazione_registered_and_isolated(db: &Db) -> civico_sportello::segnalazioni::Ricevuta {
    use civico_sportello::segnalazioni as sg;
    use segnalazione::{agisci, nuova, registra, stato};
    let mut c = db.pool.prendi().unwrap();
    let n = nuova();
    let r = registra(&mut c, "valfiorita", &n, None, ora());
    assert!(
        r.codice.starts_with("SE-") && r.codice.len() == 12,
        "{}",
        r.codice
    );
    assert_eq!(r.token.len(), 32);
    assert_eq!(
        r.scadenza,
        ora() + Duration::days(10),
        "the category's deadline"
    );
    let x = sg::leggi(&mut c, "valfiorita", &r.codice).unwrap().unwrap();
    assert_eq!(
        (
            x.ufficio.as_str(),
            x.stato.as_str(),
            x.email.as_str(),
            x.pubblica
        ),
        ("Lavori pubblici", "nuova", "maria@example.it", false),
        "routed to the office of its category"
    );
    assert_eq!(x.lat.as_deref(), Some("45.123456"));
    assert_eq!(
        sg::per_token(&mut c, "valfiorita", &r.token).unwrap(),
        Some(x.clone())
    );
    // Another comune sees nothing of it.
    assert_eq!(
        sg::per_token(&mut c, "castelmarino", &r.token).unwrap(),
        None
    );
    assert_eq!(sg::leggi(&mut c, "castelmarino", &r.codice).unwrap(), None);
    assert!(sg::file(&mut c, "castelmarino", &r.codice)
        .unwrap()
        .is_empty());
    assert_eq!(
        sg::contenuto(&mut c, "castelmarino", &r.codice, 1).unwrap(),
        None
    );
    assert_eq!(
        sg::contenuto(&mut c, "valfiorita", &r.codice, 1).unwrap(),
        Some((
            "buca.jpg".into(),
            "image/jpeg".into(),
            segnalazione::foto().dati
        ))
    );
    assert_eq!(
        agisci(
            &mut c,
            "castelmarino",
            &r.codice,
            stato("presa_in_carico", ""),
            ora()
        ),
        Err(sg::Respinta::Inesistente)
    );
    drop(c);
    let q = queued(&db.pool);
    assert_eq!(q.len(), 2, "the reporter and the office");
    assert_eq!(q[0].1.destinatario, "maria@example.it");
    assert!(q[0]
        .1
        .testo
        .contains(&format!("/segnalazione-disservizio/segui/#t={}", r.token)));
    assert_eq!(q[1].1.destinatario, "lavori@x.it");
    assert!(
        !q[1].1.testo.contains("Bianchi"),
        "the office's notice carries no identity"
    );

    r
}

/// Only the allowed steps, a reason to refuse, the audit log; overdue while pending.
fn segnalazione_through_the_states(
    db: &Db,
    r: &civico_sportello::segnalazioni::Ricevuta,
    t1: DateTime<Utc>,
) {
    use civico_sportello::segnalazioni as sg;
    use segnalazione::{agisci, stato};
    // The states: only the allowed steps; refusing needs a reason.
    let mut c = db.pool.prendi().unwrap();
    assert!(matches!(
        agisci(&mut c, "valfiorita", &r.codice, stato("risolta", ""), t1),
        Err(sg::Respinta::Passaggio(..))
    ));
    assert_eq!(
        agisci(&mut c, "valfiorita", &r.codice, stato("respinta", "  "), t1),
        Err(sg::Respinta::SenzaMotivo)
    );
    assert_eq!(
        agisci(
            &mut c,
            "valfiorita",
            &r.codice,
            sg::Azione::Ufficio("Ufficio inventato".into()),
            t1
        ),
        Err(sg::Respinta::Ufficio)
    );
    let x = agisci(
        &mut c,
        "valfiorita",
        &r.codice,
        stato("presa_in_carico", "Arriviamo"),
        t1,
    )
    .unwrap();
    assert_eq!(x.stato, "presa_in_carico");
    agisci(
        &mut c,
        "valfiorita",
        &r.codice,
        sg::Azione::Ufficio("Ufficio relazioni con il pubblico".into()),
        t1,
    )
    .unwrap();
    agisci(
        &mut c,
        "valfiorita",
        &r.codice,
        sg::Azione::Pubblica(true),
        t1,
    )
    .unwrap();
    let passi = sg::passi(&mut c, "valfiorita", &r.codice).unwrap();
    let visti: Vec<(&str, &str)> = passi
        .iter()
        .map(|p| (p.chi.as_str(), p.azione.as_str()))
        .collect();
    assert_eq!(
        visti,
        [
            ("cittadino", "inviata"),
            ("anna", "stato"),
            ("anna", "ufficio"),
            ("anna", "moderazione")
        ],
        "the audit log records who did what"
    );
    assert_eq!(passi[1].messaggio, "Arriviamo");
    let pubblici = sg::passi_pubblici(&passi);
    assert_eq!(pubblici.len(), 3, "moderation is not shown to the reporter");
    assert!(
        !serde_json::to_string(&pubblici).unwrap().contains("anna"),
        "nor the operators' names"
    );

    // Overdue while pending, not once solved.
    assert!(!x.scaduta(ora() + Duration::days(9)));
    assert!(x.scaduta(ora() + Duration::days(11)));
}

/// Moderated and taken in charge only, nothing personal; another segnalazione, moderated.
fn segnalazioni_public_list(
    db: &Db,
    t1: DateTime<Utc>,
) -> civico_sportello::segnalazioni::Ricevuta {
    use civico_sportello::segnalazioni as sg;
    use segnalazione::{agisci, nuova, registra};
    let mut c = db.pool.prendi().unwrap();
    // The public list: moderated and taken in charge only, nothing personal.
    let altra = registra(&mut c, "valfiorita", &nuova(), None, ora());
    agisci(
        &mut c,
        "valfiorita",
        &altra.codice,
        sg::Azione::Pubblica(true),
        t1,
    )
    .unwrap();
    let (lista, risolte) =
        sg::pubbliche(&mut c, "valfiorita", ora() - Duration::days(365), 100).unwrap();
    assert_eq!(
        lista.len(),
        1,
        "a new one is not listed even when moderated"
    );
    assert_eq!(risolte, 0);
    let l = serde_json::to_value(&lista[0]).unwrap();
    assert_eq!(l["categoria"], "Strade");
    assert_eq!(l["luogo"], "Via Roma, Valfiorita");
    assert_eq!(
        (l["lat"].as_f64(), l["lon"].as_f64()),
        (Some(45.123), Some(9.988))
    );
    assert_eq!(l["stato_etichetta"], "Presa in carico");
    let testo = l.to_string();
    for privato in [
        "Maria",
        "Bianchi",
        "example",
        "Buca",
        "civico 12",
        "333",
        "12,",
    ] {
        assert!(!testo.contains(privato), "{privato} in {testo}");
    }
    assert!(
        sg::pubbliche(&mut c, "castelmarino", ora() - Duration::days(365), 100)
            .unwrap()
            .0
            .is_empty()
    );

    altra
}

/// The yearly figure of solved ones, as a segnalazione is solved, reopened and closed.
fn segnalazione_solved_and_counted(
    db: &Db,
    r: &civico_sportello::segnalazioni::Ricevuta,
    t2: DateTime<Utc>,
) {
    use civico_sportello::segnalazioni as sg;
    use segnalazione::{agisci, stato};
    let mut c = db.pool.prendi().unwrap();
    // Solved: the figure counts it; reopened it does not; solved again and closed it does.
    agisci(
        &mut c,
        "valfiorita",
        &r.codice,
        stato("in_lavorazione", ""),
        t2,
    )
    .unwrap();
    agisci(
        &mut c,
        "valfiorita",
        &r.codice,
        stato("risolta", "Riparata"),
        t2,
    )
    .unwrap();
    let figura = |c: &mut civico_sportello::db::Conn| {
        sg::pubbliche(c, "valfiorita", ora() - Duration::days(365), 100)
            .unwrap()
            .1
    };
    assert_eq!(figura(&mut c), 1);
    agisci(
        &mut c,
        "valfiorita",
        &r.codice,
        stato("in_lavorazione", "Si è riaperta"),
        t2,
    )
    .unwrap();
    assert_eq!(figura(&mut c), 0);
    agisci(&mut c, "valfiorita", &r.codice, stato("risolta", ""), t2).unwrap();
    let x = agisci(&mut c, "valfiorita", &r.codice, stato("chiusa", ""), t2).unwrap();
    assert_eq!(figura(&mut c), 1);
    assert!(!x.scaduta(ora() + Duration::days(30)));
    assert!(sg::successivi("chiusa").is_empty());
    drop(c);
    let a_maria = queued(&db.pool)
        .into_iter()
        .filter(|(_, e)| e.destinatario == "maria@example.it")
        .count();
    assert_eq!(
        a_maria,
        2 + 6,
        "two receipts and one message per change of state"
    );
}

/// Concluded before the cut go with their files and history; pending ones stay.
fn segnalazioni_retention(
    db: &Db,
    r: &civico_sportello::segnalazioni::Ricevuta,
    altra: &civico_sportello::segnalazioni::Ricevuta,
    t2: DateTime<Utc>,
) {
    use civico_sportello::segnalazioni as sg;
    use segnalazione::{nuova, registra};
    // Retention: concluded before the cut go with their files and history; pending stay.
    let mut c = db.pool.prendi().unwrap();
    let terza = registra(&mut c, "castelmarino", &nuova(), None, ora());
    assert_eq!(
        sg::purga(&mut c, "valfiorita", t2).unwrap(),
        0,
        "changed at the cut, kept"
    );
    assert_eq!(
        sg::purga(&mut c, "valfiorita", t2 + Duration::seconds(1)).unwrap(),
        1
    );
    assert_eq!(sg::leggi(&mut c, "valfiorita", &r.codice).unwrap(), None);
    assert!(sg::passi(&mut c, "valfiorita", &r.codice)
        .unwrap()
        .is_empty());
    assert!(sg::file(&mut c, "valfiorita", &r.codice)
        .unwrap()
        .is_empty());
    assert!(
        sg::leggi(&mut c, "valfiorita", &altra.codice)
            .unwrap()
            .is_some(),
        "pending stays"
    );
    assert!(sg::leggi(&mut c, "castelmarino", &terza.codice)
        .unwrap()
        .is_some());
}
both!(segnalazioni_per_comune);

/// Ten identical requests at once with one idempotency key: one segnalazione, one code.
fn segnalazioni_retried_at_once_are_stored_once(db: Db) {
    use civico_sportello::segnalazioni as sg;
    let n = segnalazione::nuova();
    let codici: Vec<String> = std::thread::scope(|s| {
        let h: Vec<_> = (0..10)
            .map(|_| {
                s.spawn(|| {
                    let mut c = db.pool.prendi().unwrap();
                    segnalazione::registra(&mut c, "valfiorita", &n, Some("chiave-1234"), ora())
                        .codice
                })
            })
            .collect();
        h.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut c = db.pool.prendi().unwrap();
    let tutte = sg::elenco(&mut c, "valfiorita", None, None).unwrap();
    assert_eq!(tutte.len(), 1);
    assert!(codici.iter().all(|k| *k == tutte[0].codice), "{codici:?}");
    // The same key in another comune is another request.
    segnalazione::registra(&mut c, "castelmarino", &n, Some("chiave-1234"), ora());
    assert_eq!(
        sg::elenco(&mut c, "castelmarino", None, None)
            .unwrap()
            .len(),
        1
    );
    drop(c);
    assert_eq!(queued(&db.pool).len(), 4);
}
both!(segnalazioni_retried_at_once_are_stored_once);

/// The operators' list filters by state and office, on both databases.
fn segnalazioni_listed_by_state_and_office(db: Db) {
    use civico_sportello::segnalazioni as sg;
    let mut c = db.pool.prendi().unwrap();
    let a = segnalazione::registra(&mut c, "valfiorita", &segnalazione::nuova(), None, ora());
    let mut verde = segnalazione::nuova();
    verde.categoria = "Verde pubblico".into();
    let b = segnalazione::registra(
        &mut c,
        "valfiorita",
        &verde,
        None,
        ora() + Duration::minutes(1),
    );
    segnalazione::agisci(
        &mut c,
        "valfiorita",
        &a.codice,
        segnalazione::stato("presa_in_carico", ""),
        ora(),
    )
    .unwrap();
    let codici = |v: Vec<sg::Scheda>| v.into_iter().map(|x| x.codice).collect::<Vec<_>>();
    let (a_, b_) = (a.codice.as_str(), b.codice.as_str());
    assert_eq!(
        codici(sg::elenco(&mut c, "valfiorita", None, None).unwrap()),
        [b_, a_]
    );
    assert_eq!(
        codici(sg::elenco(&mut c, "valfiorita", Some("nuova"), None).unwrap()),
        [b_]
    );
    assert_eq!(
        codici(
            sg::elenco(
                &mut c,
                "valfiorita",
                None,
                Some("Ufficio relazioni con il pubblico")
            )
            .unwrap()
        ),
        [b_],
        "a category without an office goes to the default one"
    );
    assert_eq!(
        codici(
            sg::elenco(
                &mut c,
                "valfiorita",
                Some("presa_in_carico"),
                Some("Lavori pubblici")
            )
            .unwrap()
        ),
        [a_]
    );
    assert!(sg::elenco(&mut c, "castelmarino", None, None)
        .unwrap()
        .is_empty());
}
both!(segnalazioni_listed_by_state_and_office);
