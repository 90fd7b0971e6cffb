#!/usr/bin/env python3
"""Writes content-example/: a fictional network of three comuni of different sizes.

Borgo San Fedele (a hamlet of ~400 inhabitants), Valfiorita (~10,000), Castelmarino (~60,000),
in the fictional Provincia di Valdoro. Names, people, addresses and PECs are invented; PECs and
e-mails use the reserved .example domain. Run from the repository root; output is deterministic.
"""
import os, shutil, textwrap

ROOT = "content-example"

COMUNI = [
    dict(slug="borgo-san-fedele", nome="Borgo San Fedele", istat="099001", ipa="c_z901", cf="80001230996", pop=412,
         zona="Alta Valle", via="Piazza della Chiesa 2", cap="00901", colore="#0b5e3c",
         slogan="Un borgo di pietra tra i castagni dell'Alta Valle", scale=1,
         sindaco=("Giovanna", "Pellegrini"), luogo_piazza="Piazza della Chiesa"),
    dict(slug="valfiorita", nome="Valfiorita", istat="099002", ipa="c_z902", cf="80004560993", pop=10214,
         zona="Media Valle", via="Piazza Garibaldi 1", cap="00902", colore="#0066cc",
         slogan="Città dei fiori e del fiume Dorella", scale=2,
         sindaco=("Alessandro", "Marchetti"), luogo_piazza="Piazza Garibaldi"),
    dict(slug="castelmarino", nome="Castelmarino", istat="099003", ipa="c_z903", cf="80007890991", pop=61870,
         zona="Costa", via="Corso Vittorio Emanuele 45", cap="00903", colore="#8a1538",
         slogan="Porto, castello e mare della Provincia di Valdoro", scale=4,
         sindaco=("Federica", "Lombardi"), luogo_piazza="Piazza del Castello"),
]

def w(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)

def q(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'

def block(s, indent=2):
    return "|\n" + textwrap.indent(textwrap.dedent(s).strip() + "\n", " " * indent)

SERVIZI = [
    ("carta-identita-elettronica", "Carta d'identità elettronica", "Anagrafe e stato civile", ["Anagrafe"], "uffici/anagrafe",
     "Richiedere o rinnovare la carta d'identità elettronica (CIE).",
     "Ai cittadini residenti nel Comune e, per motivi gravi, ai non residenti.",
     "Prenota un appuntamento presso l'ufficio anagrafe. Il giorno dell'appuntamento presentati allo sportello: l'operatore acquisisce foto, firma e impronte.",
     "- una fototessera recente, su sfondo chiaro\n- la carta d'identità scaduta o la denuncia di furto o smarrimento\n- la tessera sanitaria",
     "La carta d'identità elettronica, spedita all'indirizzo indicato.", "La carta arriva entro 6 giorni lavorativi dalla richiesta.",
     "22,21 euro, da pagare allo sportello con PagoPA.", "https://www.cartaidentita.interno.gov.it/"),
    ("cambio-residenza", "Cambio di residenza", "Anagrafe e stato civile", ["Residenza", "Anagrafe"], "uffici/anagrafe",
     "Dichiarare il trasferimento della residenza nel Comune o il cambio di indirizzo.",
     "A chi si trasferisce nel Comune da un altro Comune o dall'estero, e a chi cambia indirizzo nel Comune.",
     "Compila la dichiarazione di residenza e inviala dall'area personale, per email o PEC, oppure consegnala allo sportello.",
     "- un documento d'identità valido\n- la patente e i libretti dei veicoli intestati\n- il titolo di occupazione dell'abitazione",
     "L'iscrizione all'anagrafe con il nuovo indirizzo.", "La registrazione avviene entro 2 giorni lavorativi; i controlli della polizia locale entro 45 giorni.",
     None, None),
    ("certificati-anagrafici", "Certificati anagrafici", "Anagrafe e stato civile", ["Anagrafe"], "uffici/anagrafe",
     "Ottenere certificati di residenza, stato di famiglia, nascita e altri certificati anagrafici.",
     "A chiunque ne abbia interesse, per sé o per i componenti della propria famiglia.",
     "Scarica il certificato dall'Anagrafe nazionale (ANPR) con SPID o CIE, oppure richiedilo allo sportello.",
     "- un documento d'identità valido\n- la marca da bollo, se il certificato non è esente",
     "Il certificato richiesto, in formato digitale o cartaceo.", "Subito, online o allo sportello.",
     "Gratuito online; allo sportello 0,52 euro di diritti più l'eventuale bollo da 16 euro.", "https://www.anagrafenazionale.interno.gov.it/"),
    ("iscrizione-asilo-nido", "Iscrizione all'asilo nido", "Educazione e formazione", ["Istruzione"], "uffici/servizi-sociali",
     "Iscrivere i bambini da 3 a 36 mesi all'asilo nido comunale.",
     "Alle famiglie con bambini tra 3 e 36 mesi residenti nel Comune.",
     "Presenta la domanda online nel periodo indicato dal bando annuale. La graduatoria è pubblicata sul sito.",
     "- l'attestazione ISEE in corso di validità\n- il certificato delle vaccinazioni",
     "Il posto all'asilo nido, secondo la graduatoria.", "Le domande si presentano dal 1 al 31 marzo; la graduatoria esce entro il 30 aprile.",
     "Retta mensile in base all'ISEE, da 80 a 420 euro.", None),
    ("mensa-scolastica", "Servizio di mensa scolastica", "Educazione e formazione", ["Istruzione", "Prodotti alimentari"], "uffici/servizi-sociali",
     "Iscrivere i figli alla mensa delle scuole dell'infanzia e primarie.",
     "Alle famiglie degli alunni delle scuole dell'infanzia e primarie del Comune.",
     "Iscriviti online prima dell'inizio dell'anno scolastico e ricarica il borsellino elettronico con PagoPA.",
     "- il codice fiscale dell'alunno\n- l'attestazione ISEE per le tariffe ridotte",
     "Il pasto a scuola nei giorni di rientro.", "Le iscrizioni sono aperte dal 1 giugno al 31 agosto.",
     "Da 2,10 a 5,20 euro a pasto, in base all'ISEE.", None),
    ("tari", "Tassa sui rifiuti (TARI)", "Tributi, finanze e contravvenzioni", ["Gestione rifiuti", "Imposte"], "uffici/tributi",
     "Dichiarare, pagare e chiedere riduzioni della tassa sui rifiuti.",
     "A chi possiede o occupa locali o aree nel territorio comunale.",
     "Presenta la dichiarazione entro 90 giorni dall'inizio dell'occupazione. Paga con il modello F24 o PagoPA che ricevi a casa.",
     "- i dati catastali dell'immobile\n- la superficie calpestabile\n- il numero degli occupanti",
     "L'iscrizione a ruolo e gli avvisi di pagamento.", "Il pagamento è in due rate, al 16 luglio e al 2 dicembre.",
     "L'importo dipende dalla superficie e dal numero degli occupanti.", None),
    ("imu", "Imposta municipale propria (IMU)", "Tributi, finanze e contravvenzioni", ["Imposte"], "uffici/tributi",
     "Calcolare e pagare l'IMU sugli immobili diversi dall'abitazione principale.",
     "Ai proprietari di immobili diversi dall'abitazione principale e di aree edificabili.",
     "Calcola l'imposta con il calcolatore online e paga con il modello F24.",
     "- i dati catastali degli immobili\n- le aliquote deliberate per l'anno",
     "La regolarità del pagamento dell'imposta.", "Acconto entro il 16 giugno, saldo entro il 16 dicembre.",
     "Secondo le aliquote deliberate dal consiglio comunale.", None),
    ("permesso-di-costruire", "Permesso di costruire", "Catasto e urbanistica", ["Urbanizzazione"], "uffici/tecnico",
     "Chiedere il permesso per nuove costruzioni e ristrutturazioni importanti.",
     "Ai proprietari e a chi ha titolo per intervenire sull'immobile, tramite un tecnico abilitato.",
     "Il tecnico incaricato presenta la domanda allo Sportello unico per l'edilizia (SUE) online.",
     "- il progetto firmato da un tecnico abilitato\n- il titolo di proprietà\n- la ricevuta dei diritti di segreteria",
     "Il permesso di costruire.", "Entro 60 giorni dalla domanda completa (art. 20 del DPR 380/2001).",
     "Diritti di segreteria da 100 a 500 euro e contributo di costruzione.", None),
    ("passo-carrabile", "Passo carrabile", "Autorizzazioni", ["Mobilità sostenibile", "Parcheggi"], "uffici/polizia-locale",
     "Chiedere l'autorizzazione per un passo carrabile e il relativo cartello.",
     "Ai proprietari di immobili con accesso dei veicoli dalla strada pubblica.",
     "Presenta la domanda con la planimetria dell'accesso. La polizia locale fa un sopralluogo.",
     "- la planimetria dell'accesso\n- una marca da bollo da 16 euro",
     "L'autorizzazione e il cartello di passo carrabile.", "Entro 30 giorni dalla domanda.",
     "Canone annuo in base alla larghezza dell'accesso.", None),
    ("occupazione-suolo-pubblico", "Occupazione di suolo pubblico", "Autorizzazioni", ["Commercio al minuto"], "uffici/polizia-locale",
     "Chiedere di occupare temporaneamente strade e piazze per dehors, cantieri o eventi.",
     "A cittadini, imprese e associazioni che devono occupare spazi pubblici.",
     "Presenta la domanda almeno 15 giorni prima dell'occupazione.",
     "- la planimetria dell'area\n- la durata dell'occupazione",
     "La concessione di occupazione.", "Entro 15 giorni dalla domanda.",
     "Canone unico patrimoniale secondo le tariffe comunali.", None),
    ("contrassegno-disabili", "Contrassegno per persone con disabilità", "Mobilità e trasporti", ["Assistenza agli invalidi", "Parcheggi"], "uffici/polizia-locale",
     "Ottenere il contrassegno europeo per il parcheggio delle persone con disabilità.",
     "Alle persone con capacità di deambulazione ridotta o non vedenti.",
     "Presenta la domanda con il certificato medico legale dell'ASL.",
     "- il certificato medico legale\n- una fototessera",
     "Il contrassegno europeo, valido in tutta l'Unione.", "Entro 10 giorni lavorativi.", None, None),
    ("contributo-affitto", "Contributo per l'affitto", "Salute, benessere e assistenza", ["Assistenza sociale"], "uffici/servizi-sociali",
     "Chiedere un contributo per il pagamento del canone di locazione.",
     "Alle famiglie in affitto con ISEE inferiore alla soglia del bando regionale.",
     "Presenta la domanda nel periodo di apertura del bando, online o allo sportello dei servizi sociali.",
     "- il contratto di locazione registrato\n- l'attestazione ISEE\n- le ricevute del canone",
     "Un contributo economico sul canone pagato.", "Il bando apre una volta l'anno; il contributo è erogato entro 90 giorni dalla graduatoria.",
     None, None),
    ("assistenza-domiciliare", "Assistenza domiciliare agli anziani", "Salute, benessere e assistenza", ["Assistenza sociale"], "uffici/servizi-sociali",
     "Aiuto a casa per le persone anziane non autosufficienti.",
     "Alle persone con più di 65 anni che vivono sole o con familiari che non possono assisterle.",
     "Chiedi un colloquio con l'assistente sociale, che valuta il bisogno e propone un piano di assistenza.",
     "- l'attestazione ISEE\n- la documentazione sanitaria",
     "Un piano di assistenza personalizzato a domicilio.", "Il colloquio avviene entro 15 giorni dalla richiesta.",
     "Compartecipazione in base all'ISEE.", None),
    ("prenotazione-sale", "Prenotazione delle sale comunali", "Cultura e tempo libero", ["Associazioni", "Tempo libero"], "uffici/cultura",
     "Prenotare le sale comunali per incontri, mostre e iniziative.",
     "Ad associazioni, enti e cittadini.",
     "Verifica la disponibilità e invia la richiesta almeno 10 giorni prima.",
     "- il programma dell'iniziativa\n- il nominativo del responsabile",
     "La concessione della sala per la data richiesta.", "Risposta entro 7 giorni.",
     "Tariffa oraria secondo il regolamento; gratuito per le associazioni iscritte all'albo.", None),
    ("iscrizione-biblioteca", "Iscrizione alla biblioteca", "Cultura e tempo libero", ["Tempo libero", "Patrimonio culturale"], "uffici/cultura",
     "Iscriversi alla biblioteca civica per il prestito di libri e l'uso delle sale.",
     "A tutti, residenti e non residenti.",
     "Presentati in biblioteca con un documento: l'iscrizione è immediata.",
     "- un documento d'identità",
     "La tessera della biblioteca, valida in tutta la rete provinciale.", "Subito.", None, None),
    ("segnalazione-certificata-attivita", "SCIA per attività commerciali", "Imprese e commercio", ["Imprese", "Commercio al minuto"], "uffici/suap",
     "Avviare, modificare o cessare un'attività commerciale con la SCIA.",
     "Alle imprese che aprono o modificano un esercizio commerciale.",
     "Presenta la SCIA al SUAP attraverso il portale impresainungiorno.gov.it.",
     "- la firma digitale del titolare\n- la planimetria dei locali\n- le dichiarazioni sui requisiti",
     "L'avvio immediato dell'attività, fatti salvi i controlli.", "L'attività può iniziare dalla presentazione; i controlli si chiudono entro 60 giorni.",
     "Diritti SUAP di 50 euro.", "https://www.impresainungiorno.gov.it/"),
]

UFFICI = [
    ("anagrafe", "Ufficio Anagrafe e Stato civile", "ufficio", "Anagrafe, stato civile, elettorale e leva.",
     "Tiene l'anagrafe della popolazione residente, registra nascite, matrimoni e decessi, rilascia carte d'identità e certificati, cura le liste elettorali.",
     "anagrafe", ["Anagrafe"]),
    ("tributi", "Ufficio Tributi", "ufficio", "Tasse e tributi comunali: IMU, TARI, canone unico.",
     "Gestisce l'IMU, la TARI e il canone unico patrimoniale; riceve dichiarazioni, calcola le riduzioni e segue i rimborsi.",
     "tributi", ["Imposte"]),
    ("tecnico", "Area Tecnica - Edilizia e Urbanistica", "area", "Edilizia privata, urbanistica, lavori pubblici e patrimonio.",
     "Rilascia i titoli edilizi, cura il piano urbanistico, progetta e segue i lavori pubblici e la manutenzione del patrimonio.",
     "tecnico", ["Urbanizzazione"]),
    ("servizi-sociali", "Servizi Sociali e Scolastici", "ufficio", "Sostegno alle famiglie, agli anziani e servizi per la scuola.",
     "Segue le famiglie in difficoltà, gli anziani e le persone con disabilità; organizza asilo nido, mensa e trasporto scolastico.",
     "sociali", ["Assistenza sociale", "Istruzione"]),
    ("polizia-locale", "Polizia Locale", "ufficio", "Sicurezza urbana, viabilità, permessi di circolazione e sosta.",
     "Controlla la viabilità e la sicurezza urbana, rilascia contrassegni e autorizzazioni, rileva gli incidenti stradali.",
     "polizialocale", ["Polizia"]),
    ("cultura", "Ufficio Cultura, Sport e Biblioteca", "ufficio", "Biblioteca, eventi culturali, impianti sportivi e associazioni.",
     "Gestisce la biblioteca civica, organizza gli eventi culturali, concede sale e impianti sportivi e tiene l'albo delle associazioni.",
     "cultura", ["Tempo libero", "Associazioni"]),
    ("suap", "Sportello Unico Attività Produttive (SUAP)", "ufficio", "Avvio e modifica delle attività produttive e commerciali.",
     "Riceve le pratiche delle imprese (SCIA, autorizzazioni) e coordina gli enti coinvolti.",
     "suap", ["Imprese"]),
    ("segreteria", "Segreteria generale", "area", "Segreteria, protocollo, contratti e supporto agli organi.",
     "Assiste gli organi di governo, tiene il protocollo generale, cura la pubblicazione degli atti e la trasparenza.",
     "segreteria", ["Trasparenza amministrativa"]),
]

GIUNTA = [("Roberto", "Galli", "Vicesindaco e assessore al bilancio", "bilancio e tributi"),
          ("Chiara", "Fontana", "Assessora alle politiche sociali e alla scuola", "politiche sociali e scuola"),
          ("Matteo", "Ricci", "Assessore ai lavori pubblici e all'ambiente", "lavori pubblici, ambiente e gestione dei rifiuti"),
          ("Elena", "Santoro", "Assessora alla cultura, allo sport e al turismo", "cultura, sport e turismo")]
RESPONSABILI = [("Paolo", "Bianchi", "anagrafe"), ("Laura", "Esposito", "tributi"), ("Giorgio", "Conti", "tecnico"),
                ("Silvia", "Moretti", "servizi-sociali"), ("Davide", "Ferri", "polizia-locale"), ("Marta", "Greco", "cultura"),
                ("Luca", "Barbieri", "suap"), ("Anna", "Costa", "segreteria")]

NOTIZIE = [
    ("notizia", "Al via i lavori di rifacimento di via Roma", ["Urbanizzazione", "Mobilità sostenibile"], "tecnico",
     "Dal 1 dicembre nuovi marciapiedi, illuminazione a LED e un tratto di pista ciclabile.",
     "I lavori dureranno circa quattro mesi e si svolgeranno per tratti, così da limitare i disagi. Durante i lavori la sosta sarà vietata nel tratto interessato.\n\n## Come cambia la viabilità\n\n| Periodo | Tratto chiuso | Deviazione |\n|---|---|---|\n| dicembre | da piazza {piazza} a via Verdi | via Mazzini |\n| gennaio-febbraio | da via Verdi a via Dante | via Cavour |\n\nPer informazioni rivolgiti all'[Area Tecnica](../uffici/tecnico.md)."),
    ("notizia", "Nuovi orari della biblioteca civica", ["Tempo libero", "Patrimonio culturale"], "cultura",
     "La biblioteca apre anche il sabato mattina e due sere a settimana.",
     "Da gennaio la biblioteca amplia gli orari di apertura: sabato dalle 9 alle 13 e martedì e giovedì fino alle 21.\n\nL'iscrizione è gratuita: trovi come fare nella scheda [Iscrizione alla biblioteca](../servizi/iscrizione-biblioteca.md)."),
    ("comunicato", "Approvato il bilancio di previsione 2027", ["Bilancio"], "segreteria",
     "Il consiglio comunale ha approvato il bilancio: nessun aumento delle tasse e più risorse per scuole e strade.",
     "Il bilancio di previsione 2027 pareggia a **{bilancio} euro**. Le aliquote di IMU e TARI restano invariate.\n\nLe principali voci di spesa:\n\n1. manutenzione di strade e scuole\n2. servizi sociali e contributi alle famiglie\n3. cultura, sport e turismo"),
    ("comunicato", "Il sindaco incontra le associazioni del territorio", ["Associazioni", "Comunicazione istituzionale"], "segreteria",
     "Un incontro pubblico per preparare insieme il calendario degli eventi del prossimo anno.",
     "L'incontro si terrà in sala consiliare. Le associazioni iscritte all'albo comunale riceveranno l'invito per email."),
    ("avviso", "Concorso per un posto di istruttore amministrativo", ["Concorsi", "Lavoro"], "segreteria",
     "Domande entro il 30 novembre; bando e requisiti in Amministrazione trasparente.",
     "Il Comune assume a tempo indeterminato un istruttore amministrativo. Il bando completo è in [Amministrazione trasparente](/amministrazione-trasparente/bandi-di-concorso/)."),
    ("avviso", "Raccolta differenziata: cambia il calendario di dicembre", ["Gestione rifiuti"], "tributi",
     "Per le festività la raccolta dell'umido si sposta al giorno successivo.",
     "Nelle settimane di Natale e Capodanno i ritiri previsti nei giorni festivi slittano di un giorno. Il calendario completo è disponibile presso l'Ufficio Tributi."),
    ("avviso", "Bando per il contributo affitto 2026", ["Assistenza sociale"], "servizi-sociali",
     "Domande entro il 15 gennaio per il contributo sul canone di locazione.",
     "Possono presentare domanda le famiglie con ISEE inferiore a 15.000 euro. Leggi la scheda [Contributo per l'affitto](../servizi/contributo-affitto.md)."),
    ("notizia", "Inaugurato il nuovo parco giochi inclusivo", ["Spazio Verde", "Tempo libero"], "tecnico",
     "Giochi accessibili a tutti i bambini, anche con disabilità motorie.",
     "Il parco, finanziato con fondi PNRR, ha pavimentazione antitrauma, altalene a cesta e percorsi sensoriali."),
    ("avviso", "Chiusura degli uffici comunali per la festa patronale", ["Comunicazione istituzionale"], "segreteria",
     "Gli uffici resteranno chiusi nel giorno della festa del patrono.",
     "Per le urgenze di stato civile è attivo il servizio di reperibilità al numero del centralino."),
    ("notizia", "Elezioni: come richiedere la tessera elettorale", ["Elezioni", "Anagrafe"], "anagrafe",
     "Orari straordinari dell'ufficio elettorale nei giorni prima del voto.",
     "Chi ha smarrito la tessera o ha esaurito gli spazi può chiederne una nuova all'[Ufficio Anagrafe](../uffici/anagrafe.md) con un documento d'identità."),
    ("comunicato", "Firmato il patto per la mobilità sostenibile", ["Mobilità sostenibile", "Sviluppo sostenibile"], "tecnico",
     "Il Comune aderisce al piano provinciale per bus elettrici e percorsi ciclabili.",
     "Il patto prevede nuove corse del trasporto pubblico e il collegamento ciclabile con i comuni vicini."),
]

EVENTI = [
    ("mercatino-di-natale", "Mercatino di Natale", "Mercatino", "2026-12-06 10:00", "2026-12-08 19:00", ["Tempo libero", "Commercio ambulante"],
     "Bancarelle di artigianato, prodotti tipici e musica per le vie del centro.", "A famiglie, visitatori e appassionati di artigianato."),
    ("concerto-di-capodanno", "Concerto di Capodanno", "Manifestazione musicale", "2027-01-01 17:00", None, ["Tempo libero"],
     "L'orchestra giovanile della provincia apre il nuovo anno.", "A tutta la cittadinanza. Ingresso libero fino a esaurimento posti."),
    ("corso-di-primo-soccorso", "Corso di primo soccorso", "Corso", "2027-02-10 20:30", "2027-02-24 22:30", ["Protezione civile"],
     "Tre serate con i volontari della protezione civile per imparare le manovre salvavita.", "Agli adulti e ai ragazzi dai 16 anni."),
    ("festa-di-primavera", "Festa di primavera", "Sagra", "2027-04-25 11:00", "2027-04-25 23:00", ["Tempo libero", "Prodotti alimentari"],
     "Stand gastronomici, giochi per bambini e musica dal vivo.", "A famiglie e visitatori."),
    ("mostra-fotografica-estate", "Mostra fotografica \"Il nostro territorio\"", "Mostra", "2026-07-01", "2026-07-31", ["Patrimonio culturale"],
     "Le fotografie storiche del territorio raccolte dagli abitanti.", "A tutti. Ingresso gratuito."),
    ("giornata-ecologica", "Giornata ecologica", "Giornata aperta", "2026-09-20 09:00", "2026-09-20 13:00", ["Gestione rifiuti", "Spazio Verde"],
     "Volontari al lavoro per pulire parchi e sentieri.", "A cittadini, scuole e associazioni."),
    ("torneo-di-calcetto", "Torneo di calcetto giovanile", "Gara o Torneo o Competizione", "2026-06-14 15:00", None, ["Sport"],
     "Il torneo delle squadre giovanili del territorio.", "Ai ragazzi dai 10 ai 16 anni e alle loro famiglie."),
]

LUOGHI = [
    ("municipio", "Palazzo municipale", "Palazzo", "La sede del Comune e degli uffici aperti al pubblico.", "{via}", (0, 0)),
    ("biblioteca-civica", "Biblioteca civica", "Biblioteca", "Libri, riviste, sale studio e spazio ragazzi.", "Via Dante 12", (0.003, 0.002)),
    ("piazza", "{piazza}", "Piazza", "La piazza principale, cuore della vita cittadina.", "{piazza}", (0.001, -0.001)),
    ("parco-comunale", "Parco comunale", "Parco", "Prati, alberi secolari e un parco giochi inclusivo.", "Viale dei Tigli", (-0.004, 0.003)),
    ("centro-sportivo", "Centro sportivo", "Campo sportivo", "Campi da calcio e calcetto, palestra e pista di atletica.", "Via dello Sport 5", (0.006, -0.004)),
]

DOCUMENTI = [
    ("statuto-comunale", "Statuto comunale", "Atto normativo", "Lo statuto che regola l'organizzazione del Comune.", "segreteria", ["Trasparenza amministrativa"], "statuto.pdf"),
    ("regolamento-tari", "Regolamento per la tassa sui rifiuti (TARI)", "Atto normativo", "Le regole per il calcolo, le riduzioni e il pagamento della TARI.", "tributi", ["Gestione rifiuti", "Imposte"], None),
    ("modulo-residenza", "Modulo di dichiarazione di residenza", "Modulistica", "Il modulo per dichiarare il cambio di residenza o di indirizzo.", "anagrafe", ["Residenza"], "modulo-residenza.pdf"),
    ("dup-2027", "Documento unico di programmazione 2027-2029", "Documento di programmazione e rendicontazione", "Gli obiettivi e le risorse del Comune per i prossimi tre anni.", "segreteria", ["Bilancio"], None),
]

TRASPARENZA = [
    ("disposizioni-generali", "Disposizioni generali", [("piano-triennale-per-la-prevenzione-della-corruzione-e-della-trasparenza", "Piano triennale per la prevenzione della corruzione e della trasparenza"), ("atti-generali", "Atti generali")]),
    ("organizzazione", "Organizzazione", [("titolari-di-incarichi-politici-di-amministrazione-di-direzione-o-di-governo", "Titolari di incarichi politici, di amministrazione, di direzione o di governo"), ("telefono-e-posta-elettronica", "Telefono e posta elettronica")]),
    ("bandi-di-concorso", "Bandi di concorso", []),
    ("bilanci", "Bilanci", [("bilancio-preventivo-e-consuntivo", "Bilancio preventivo e consuntivo")]),
]

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj 3 0 obj<</Type/Page/MediaBox[0 0 595 842]/Parent 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

def check_digit(first10):
    """Check digit of a codice fiscale numerico / partita IVA."""
    t = 0
    for i, ch in enumerate(first10):
        x = int(ch)
        if i % 2 == 0:
            t += x
        else:
            y = x * 2
            t += y - 9 if y > 9 else y
    return str((10 - t % 10) % 10)


def piva(cf):
    """A partita IVA derived from the codice fiscale, with a valid check digit."""
    base = "0" + cf[1:10]
    return base + check_digit(base)


def stemma(colore, iniziale):
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 80" role="img" aria-label="Stemma">'
            f'<path d="M4 4h56v40c0 18-14 30-28 34C18 74 4 62 4 44z" fill="{colore}" stroke="#1a1a1a" stroke-width="3"/>'
            f'<text x="32" y="50" font-size="30" text-anchor="middle" fill="#fff" font-family="serif">{iniziale}</text></svg>\n')

def gen_comune(c):
    d = os.path.join(ROOT, "comuni", c["slug"])
    dom = f"comune.{c['slug']}.vd.example"
    nome, slug, scale = c["nome"], c["slug"], c["scale"]
    w(f"{d}/comune.yaml", f"""# Comune di {nome} (fittizio): dati usati in ogni pagina del sito.
nome: {q(nome)}
codice_istat: {q(c['istat'])}
codice_ipa: {q(c['ipa'])}
codice_fiscale: {q(c['cf'])}
partita_iva: {q(piva(c['cf']))}
pec: "protocollo@pec.{dom}"
email: "info@{dom}"
telefono: "+39 0999 {100000 + int(c['istat'][-1]) * 1111}"
indirizzo:
  via: {q(c['via'])}
  cap: {q(c['cap'])}
  localita: {q(nome)}
  provincia: "VD"
base_url: "https://www.{dom}/"
stemma: "media/stemma.svg"
slogan: {q(c['slogan'])}
zona: {q(c['zona'])}
ente_appartenenza:
  nome: "Provincia di Valdoro"
  url: "https://www.provincia.valdoro.vd.example/"
popolazione: {c['pop']}
social:
  - nome: "Facebook"
    url: "https://www.facebook.com/comune.{slug.replace('-', '')}"
  - nome: "Instagram"
    url: "https://www.instagram.com/comune.{slug.replace('-', '')}"
dichiarazione_accessibilita: "https://form.agid.gov.it/view/0a1b2c3d-0000-4000-8000-00000000{c['istat'][-4:]}"
area_personale: "https://servizi.{dom}/area-personale/"
orari:
  - "Lunedì, mercoledì e venerdì: 9:00-12:30"
  - "Martedì e giovedì: 9:00-12:30 e 15:00-17:30"
argomenti_in_evidenza: ["Anagrafe", "Gestione rifiuti", "Tempo libero"]
servizi_online:
  prenotazione_appuntamento: "https://servizi.{dom}/prenota/"
  segnalazione_disservizio: "mailto:segnalazioni@{dom}"
  richiesta_assistenza: "mailto:urp@{dom}"
colore_primario: {q(c['colore'])}
finanziato_pnrr: true
# Notifications through the IO app (`civico io send`): names of the secrets holding each
# service's key, never the keys.
app_io:
  notifica_dal: 2026-11-01
  notizie: IO_{slug.upper().replace('-', '_')}_NOTIZIE
  eventi: IO_{slug.upper().replace('-', '_')}_EVENTI
  bandi: IO_{slug.upper().replace('-', '_')}_BANDI
  albo: IO_{slug.upper().replace('-', '_')}_ALBO
""")
    w(f"{d}/media/stemma.svg", stemma(c["colore"], nome[0]))
    os.makedirs(f"{d}/media", exist_ok=True)
    with open(f"{d}/media/municipio.svg", "w") as f:
        f.write('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 80"><rect width="120" height="80" fill="#e6e9f2"/><path d="M20 70V35l40-20 40 20v35z" fill="#5c6f82"/><rect x="52" y="48" width="16" height="22" fill="#fff"/></svg>\n')
    piazza = c["luogo_piazza"]
    # Uffici (the hamlet has fewer, grouped offices)
    uffici = UFFICI if scale > 1 else [u for u in UFFICI if u[0] in ("anagrafe", "tributi", "tecnico", "servizi-sociali", "polizia-locale", "cultura", "suap", "segreteria")]
    resp = {r[2]: r for r in RESPONSABILI}
    for (us, titolo, tipo, breve, comp, mail, args) in uffici:
        p = resp[us]
        w(f"{d}/uffici/{us}.md", f"""---
titolo: {q(titolo)}
tipo: {tipo}
descrizione_breve: {q(breve)}
competenze: {block(comp)}sede: "luoghi/municipio"
responsabile: "persone/{p[0].lower()}-{p[1].lower()}"
persone: ["persone/{p[0].lower()}-{p[1].lower()}"]
contatti:
  telefono: "+39 0999 {200000 + len(us) * 37}"
  email: "{mail}@{dom}"
  pec: "{mail}@pec.{dom}"
orari: {block("Lunedì-venerdì 9:00-12:30; martedì e giovedì anche 15:00-17:30.")}argomenti: [{", ".join(q(a) for a in args)}]
---
L'ufficio riceve il pubblico su appuntamento. Per le pratiche più comuni puoi usare i servizi online.
""")
    # Organi di governo
    w(f"{d}/uffici/giunta-comunale.md", f"""---
titolo: "Giunta comunale"
tipo: giunta comunale
descrizione_breve: "L'organo esecutivo del Comune: il sindaco e gli assessori."
competenze: {block("Attua gli indirizzi del consiglio comunale e adotta gli atti di governo che la legge non riserva al consiglio o al sindaco.")}sede: "luoghi/municipio"
responsabile: "persone/{c['sindaco'][0].lower()}-{c['sindaco'][1].lower()}"
persone: [{", ".join(q(f"persone/{g[0].lower()}-{g[1].lower()}") for g in GIUNTA[:1 + scale])}]
contatti:
  email: "giunta@{dom}"
  pec: "protocollo@pec.{dom}"
---
""")
    w(f"{d}/uffici/consiglio-comunale.md", f"""---
titolo: "Consiglio comunale"
tipo: consiglio comunale
descrizione_breve: "L'organo di indirizzo e controllo politico-amministrativo, eletto dai cittadini."
competenze: {block("Approva statuto, regolamenti, bilanci e piani; controlla l'attività della giunta.")}sede: "luoghi/municipio"
contatti:
  email: "consiglio@{dom}"
---
Le sedute del consiglio sono pubbliche.
""")
    # Persone
    sn, sc = c["sindaco"]
    w(f"{d}/persone/{sn.lower()}-{sc.lower()}.md", f"""---
nome: {q(sn)}
cognome: {q(sc)}
descrizione_breve: "Sindaco del Comune di {nome}."
incarichi:
  - titolo: "Sindaco"
    tipo: politico
    ufficio: "uffici/giunta-comunale"
    data_inizio: 2024-06-10
deleghe: {block("Mantiene le deleghe non attribuite agli assessori: personale, protezione civile, comunicazione.")}contatti:
  email: "sindaco@{dom}"
---
Eletto nel giugno 2024, è al primo mandato.
""")
    for (gn, gc, ruolo, deleghe) in GIUNTA[:1 + scale]:
        w(f"{d}/persone/{gn.lower()}-{gc.lower()}.md", f"""---
nome: {q(gn)}
cognome: {q(gc)}
descrizione_breve: {q(ruolo + '.')}
incarichi:
  - titolo: {q(ruolo)}
    tipo: politico
    ufficio: "uffici/giunta-comunale"
    data_inizio: 2024-06-20
deleghe: {block('Deleghe: ' + deleghe + '.')}---
""")
    for (rn, rc, us) in RESPONSABILI:
        ut = next(u for u in uffici if u[0] == us)
        w(f"{d}/persone/{rn.lower()}-{rc.lower()}.md", f"""---
nome: {q(rn)}
cognome: {q(rc)}
descrizione_breve: {q('Responsabile: ' + ut[1] + '.')}
incarichi:
  - titolo: {q('Responsabile ' + ut[1])}
    tipo: amministrativo
    ufficio: "uffici/{us}"
    data_inizio: 2022-01-01
contatti:
  email: "{rn.lower()}.{rc.lower()}@{dom}"
---
""")
    # Luoghi
    lat0, lon0 = 44.1 + scale * 0.05, 10.2 + scale * 0.07
    for (ls, lt, tipo, breve, indir, (dl, dn)) in LUOGHI:
        lt = lt.format(piazza=piazza)
        indir = indir.format(via=c["via"], piazza=piazza)
        img = "immagine:\n  file: \"../media/municipio.svg\"\n  alt: \"Disegno della facciata del palazzo municipale\"\n" if ls == "municipio" else ""
        w(f"{d}/luoghi/{ls}.md", f"""---
titolo: {q(lt)}
tipo_luogo: {q(tipo)}
descrizione_breve: {q(breve)}
indirizzo: {q(indir)}
cap: {q(c['cap'])}
geo: {{lat: {lat0 + dl:.4f}, lon: {lon0 + dn:.4f}}}
modalita_accesso: {block("Accesso libero negli orari di apertura. Il luogo è accessibile alle persone con disabilità motoria.")}{img}argomenti: ["Tempo libero"]
---
{lt} si trova a {nome}, in {indir}.
""")
    # Servizi
    for (ss, titolo, cat, args, uff, breve, chi, come, serve, ottiene, tempi, costi, online) in SERVIZI:
        extra = ""
        if costi:
            extra += f"costi: {block(costi)}"
        if online:
            extra += f"accedi_online: {q(online)}\n"
        cond = 'condizioni_di_servizio:\n  titolo: "Termini e condizioni di servizio"\n  file: "condizioni-di-servizio.pdf"\n'
        w(f"{d}/servizi/{ss}.md", f"""---
titolo: {q(titolo)}
categorie: [{q(cat)}]
descrizione_breve: {q(breve)}
a_chi_e_rivolto: {block(chi)}come_fare: {block(come)}cosa_serve: {block(serve)}cosa_si_ottiene: {block(ottiene)}tempi_e_scadenze: {block(tempi)}{extra}canale_fisico: {block(f"Presso l'ufficio competente, in {c['via']}, negli orari di apertura al pubblico.")}{cond}ufficio_responsabile: "{uff}"
argomenti: [{", ".join(q(a) for a in args)}]
in_evidenza: {"true" if ss in ("carta-identita-elettronica", "tari", "iscrizione-asilo-nido") else "false"}
---
Il servizio è erogato dal Comune di {nome}. Per informazioni puoi contattare l'[ufficio responsabile](@/{uff}.md).
""")
    with open(f"{d}/servizi/condizioni-di-servizio.pdf", "wb") as f:
        f.write(PDF)
    # Notizie (more for bigger comuni)
    n_notizie = {1: 5, 2: 8, 4: 10}[scale]
    bilancio = {1: "1.240.000", 2: "14.850.000", 4: "98.300.000"}[scale]
    for i, (tipo, titolo, args, uff, breve, testo) in enumerate(NOTIZIE[:n_notizie]):
        s = titolo.lower()
        import re, unicodedata
        s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
        s = re.sub(r"[^a-z0-9]+", "-", s).strip("-")
        month = 11 - (i // 3)
        day = 20 - (i * 2) % 18
        w(f"{d}/notizie/{s}.md", f"""---
titolo: {q(titolo)}
tipo: {tipo}
data: 2026-{month:02d}-{day:02d}
descrizione_breve: {q(breve)}
argomenti: [{", ".join(q(a) for a in args)}]
a_cura_di: ["uffici/{uff}"]
{"in_evidenza: true" + chr(10) if i == 0 else ""}{"numero_comunicato: " + q(f"{i + 1}/2026") + chr(10) if tipo == "comunicato" else ""}---
{testo.format(piazza=piazza, bilancio=bilancio)}
""")
    # Eventi
    n_eventi = {1: 4, 2: 6, 4: 7}[scale]
    for (es, titolo, tipo, ini, fine, args, breve, chi) in EVENTI[:n_eventi]:
        w(f"{d}/eventi/{es}.md", f"""---
titolo: {q(titolo)}
tipo_evento: {q(tipo)}
inizio: {ini}
{"fine: " + fine + chr(10) if fine else ""}descrizione_breve: {q(breve)}
a_chi_e_rivolto: {block(chi)}argomenti: [{", ".join(q(a) for a in args)}]
luogo: "luoghi/piazza"
organizzatore: "Comune di {nome}"
costi:
  - titolo: "Ingresso"
    prezzo: "gratuito"
contatti:
  email: "eventi@{dom}"
---
{breve} Il programma dettagliato è disponibile presso l'[Ufficio Cultura](../uffici/cultura.md).
""")
    # A recurring event: the weekly market, with extra dates and accessibility notes.
    w(f"{d}/eventi/mercato-settimanale.md", f"""---
titolo: "Mercato settimanale"
tipo_evento: "Mercatino"
inizio: 2026-09-05 08:00
fine: 2026-09-05 13:00
ricorrenza:
  frequenza: settimanale
  fino_al: 2027-06-26
altre_date: [2026-12-23 08:00, 2026-12-30 08:00]
descrizione_breve: "Ogni sabato mattina frutta, verdura e prodotti del territorio in piazza."
a_chi_e_rivolto: "A tutti."
argomenti: ["Mercato", "Commercio ambulante"]
luogo: "luoghi/piazza"
organizzatore: "Comune di {nome}"
accessibilita: "La piazza è in piano e senza barriere; parcheggi riservati in via Dante."
---
Nelle settimane di Natale il mercato si tiene anche il mercoledì.
""")
    # Documenti
    for (ds, titolo, tipo, breve, uff, args, fname) in DOCUMENTI:
        file_line = f'file: "{fname}"\nformati: "PDF"\n' if fname else f'url: "https://www.{dom}/documenti/{ds}.pdf"\nformati: "PDF"\n'
        w(f"{d}/documenti/{ds}.md", f"""---
titolo: {q(titolo)}
tipo_documento: {q(tipo)}
descrizione_breve: {q(breve)}
ufficio_responsabile: "uffici/{uff}"
argomenti: [{", ".join(q(a) for a in args)}]
data: 2026-0{3 + len(ds) % 6}-15
{file_line}licenza: "attribuzione"
---
""")
        if fname:
            with open(f"{d}/documenti/{fname}", "wb") as f:
                f.write(PDF)
    # Pagine
    w(f"{d}/pagine/privacy.md", f"""---
titolo: "Informativa privacy"
descrizione_breve: "Come il Comune di {nome} tratta i dati personali di chi visita il sito."
aggiornato_il: 2026-01-10
---
## Titolare del trattamento

Il titolare del trattamento dei dati è il Comune di {nome}, {c['via']}, {c['cap']} {nome} (VD), PEC protocollo@pec.{dom}.

## Dati trattati

Il sito non usa cookie di profilazione né cookie di terze parti. I dati di navigazione sono trattati solo per garantire il funzionamento e la sicurezza del sito e sono conservati per il tempo strettamente necessario.

## Diritti

Puoi chiedere l'accesso ai tuoi dati, la rettifica o la cancellazione scrivendo al responsabile della protezione dei dati: rpd@{dom}.
""")
    w(f"{d}/pagine/note-legali.md", f"""---
titolo: "Note legali"
descrizione_breve: "Licenza dei contenuti e condizioni d'uso del sito."
---
## Limitazione di responsabilità

Il Comune di {nome} cura l'aggiornamento delle informazioni pubblicate ma non risponde di eventuali errori o di danni derivanti dall'uso dei contenuti dei siti collegati.
""")
    w(f"{d}/pagine/faq.md", f"""---
titolo: "Domande frequenti (FAQ)"
descrizione_breve: "Le risposte alle domande più frequenti dei cittadini di {nome}."
domande:
  - domanda: "Come ottengo un certificato di residenza?"
    risposta: {block("Puoi scaricarlo gratuitamente dall'Anagrafe nazionale con SPID o CIE. Leggi la scheda [Certificati anagrafici](../servizi/certificati-anagrafici.md).", 6)}  - domanda: "Quando si paga la TARI?"
    risposta: {block("In due rate, al 16 luglio e al 2 dicembre. Trovi i dettagli nella scheda [TARI](../servizi/tari.md).", 6)}  - domanda: "Come prenoto un appuntamento con un ufficio?"
    risposta: {block("Dalla pagina [Prenotazione appuntamento](/prenotazione-appuntamento/), per telefono o per email.", 6)}---
""")
    gen_trasparenza(d, c)
    gen_albo(d, c)


# Sections with content in every example comune; the rest are declared (non applicabile or
# nessun contenuto), and one is left as an empty placeholder for the compliance checker.
AT_PLACEHOLDER = "performance/piano-della-performance"


def at_sections():
    """The applicable sections of the official tree, from data/at-tree.yaml (needs PyYAML)."""
    import yaml
    with open(os.path.join(os.path.dirname(ROOT), "data", "at-tree.yaml"), encoding="utf-8") as f:
        tree = yaml.safe_load(f)
    return [s for s in tree["sections"] if s["comuni"] is not False]


def gen_trasparenza(d, c):
    nome, scale = c["nome"], c["scale"]
    at = f"{d}/amministrazione-trasparente"
    w(f"{at}/_index.md", f"""---
descrizione_breve: "Dati, informazioni e documenti del Comune di {nome} pubblicati ai sensi del D.Lgs. 33/2013."
---
Per richiedere dati e documenti non pubblicati puoi presentare una domanda di [accesso civico](/amministrazione-trasparente/altri-contenuti/accesso-civico/).
""")
    custom = {
        "organizzazione/articolazione-degli-uffici": "aggiornato_al: 2026-10-15\n",
        "organizzazione/telefono-e-posta-elettronica": "aggiornato_al: 2026-10-15\n",
        "pagamenti-dell-amministrazione/dati-sui-pagamenti": "aggiornato_al: 2026-10-20\n",
        "controlli-e-rilievi-sull-amministrazione": "aggiornato_al: 2026-07-10\n",
    }
    for s in at_sections():
        slug = s["slug"]
        path = f"{at}/{slug}/_index.md"
        if slug == AT_PLACEHOLDER or s.get("has_children"):
            w(path, f"---\n# {s['title']}\n---\n")
        elif slug in custom:
            w(path, f"---\n{custom[slug]}---\n")
        elif s["comuni"] == "conditional":
            motivo = (f"Il Comune di {nome} non rientra nei soggetti tenuti a questo obbligo ({s['norma']}).")
            w(path, f"---\nnon_applicabile: {q(motivo)}\naggiornato_al: 2026-01-31\n---\n")
        elif slug in ("disposizioni-generali/piano-triennale-per-la-prevenzione-della-corruzione-e-della-trasparenza",
                      "bandi-di-concorso", "bilanci/bilancio-preventivo-e-consuntivo", "altri-contenuti/accesso-civico",
                      "disposizioni-generali/atti-generali",
                      "organizzazione/titolari-di-incarichi-politici-di-amministrazione-di-direzione-o-di-governo",
                      "attivita-e-procedimenti/tipologie-di-procedimento", "servizi-erogati/servizi-in-rete"):
            w(path, "---\naggiornato_al: 2026-10-01\n---\n")
        else:
            w(path, f"---\nnessun_contenuto: {q('Alla data di aggiornamento non ci sono dati da pubblicare in questa sezione.')}\naggiornato_al: 2026-09-30\n---\n")
    ptpct = f"{at}/disposizioni-generali/piano-triennale-per-la-prevenzione-della-corruzione-e-della-trasparenza"
    w(f"{ptpct}/ptpct-2026-2028.md", f"""---
titolo: "Piano triennale per la prevenzione della corruzione e della trasparenza 2026-2028"
descrizione_breve: "La sezione Rischi corruttivi e trasparenza del PIAO 2026-2028."
pubblicato_il: 2026-01-30
sezioni: ["altri-contenuti/prevenzione-della-corruzione"]
allegati:
  - titolo: "PTPCT 2026-2028"
    file: "ptpct-2026-2028.pdf"
---
Il piano è stato approvato dalla giunta comunale il 28 gennaio 2026.
""")
    with open(f"{ptpct}/ptpct-2026-2028.pdf", "wb") as f:
        f.write(PDF)
    w(f"{at}/bandi-di-concorso/istruttore-amministrativo-2026.md", f"""---
titolo: "Concorso per un posto di istruttore amministrativo"
pubblicato_il: 2026-09-15
aggiornato_al: 2026-10-30
allegati:
  - titolo: "Bando di concorso"
    file: "bando.pdf"
  - titolo: "Pubblicazione su inPA"
    url: "https://www.inpa.gov.it/"
---
Bando, criteri di valutazione e tracce delle prove del concorso per un posto a tempo indeterminato.
""")
    with open(f"{at}/bandi-di-concorso/bando.pdf", "wb") as f:
        f.write(PDF)
    w(f"{at}/bandi-di-concorso/mobilita-agente-polizia-locale-2026.md", f"""---
titolo: "Avviso di mobilità per un agente di polizia locale"
pubblicato_il: 2026-11-10
scadenza: 2026-12-10
descrizione_breve: "Mobilità volontaria esterna per un posto di agente di polizia locale a tempo pieno."
allegati:
  - titolo: "Avviso di mobilità"
    file: "bando.pdf"
---
Possono partecipare i dipendenti a tempo indeterminato di altre pubbliche amministrazioni con profilo di agente di polizia locale.
""")
    w(f"{at}/bilanci/bilancio-preventivo-e-consuntivo/rendiconto-2025.md", f"""---
titolo: "Rendiconto della gestione 2025"
pubblicato_il: 2026-05-10
allegati:
  - titolo: "Rendiconto 2025, dati in formato aperto"
    file: "rendiconto-2025.csv"
---
Il rendiconto approvato dal consiglio comunale, con i dati in formato aperto.
""")
    w(f"{at}/bilanci/bilancio-preventivo-e-consuntivo/rendiconto-2025.csv",
      "voce;importo\nEntrate correnti;" + str(1200000 * scale) + "\nSpese correnti;" + str(1100000 * scale) + "\n")
    w(f"{at}/altri-contenuti/accesso-civico/accesso-civico.md", f"""---
titolo: "Come presentare una richiesta di accesso civico"
pubblicato_il: 2026-02-01
---
Chiunque può chiedere dati e documenti che il Comune di {nome} detiene (art. 5 D.Lgs. 33/2013).
La richiesta è gratuita e si invia alla PEC del Comune. Il responsabile della prevenzione della
corruzione e della trasparenza è il segretario comunale.
""")
    # ANAC schemas (delibera 495/2024)
    rows = ["anno;trimestre;categoria;tipologia;importo;beneficiario"]
    for t in (1, 2, 3):
        rows.append(f"2026;{t};uscite correnti;Acquisto di beni e di servizi;{12000 * scale + 350 * t},00;Altro soggetto pubblico e privato")
        rows.append(f"2026;{t};uscite correnti;Contributi in conto esercizio;{1500 * t},00;Persona fisica")
        rows.append(f"2026;{t};uscite in conto capitale;Investimenti in beni materiali;{40000 * scale},00;Altro soggetto pubblico e privato")
    w(f"{at}/pagamenti-dell-amministrazione/dati-sui-pagamenti/pagamenti.csv", "\n".join(rows) + "\n")
    dom = f"comune.{c['slug']}.vd.example"
    w(f"{at}/organizzazione/articolazione-degli-uffici/uffici.yaml", f"""# Schema ANAC art. 13 (delibera 495/2024, allegato 2)
anno: 2026
organigramma: "https://www.{dom}/amministrazione/aree-amministrative/"
organi_indirizzo_politico:
  - denominazione: "Sindaco"
    competenze: "Rappresenta il Comune, convoca e presiede la giunta, sovrintende al funzionamento degli uffici."
  - denominazione: "Giunta comunale"
    competenze: "Collabora con il sindaco nel governo del Comune e adotta gli atti di amministrazione."
  - denominazione: "Consiglio comunale"
    competenze: "Organo di indirizzo e di controllo politico-amministrativo."
organi_amministrazione:
  - denominazione: "Area amministrativa"
    competenze: "Servizi demografici, segreteria, protocollo."
    uffici:
      - tipologia: "Ufficio non dirigenziale"
        denominazione: "Ufficio anagrafe e stato civile"
        competenze: "Anagrafe, stato civile, elettorale, carte d'identità."
        responsabile: "Responsabile dei servizi demografici"
        qualifica: "Funzionario"
        telefono: "0999 102201"
        email: "anagrafe@{dom}"
        pec: "protocollo@pec.{dom}"
  - denominazione: "Area tecnica"
    competenze: "Lavori pubblici, edilizia privata, urbanistica, manutenzioni."
    uffici:
      - tipologia: "Ufficio non dirigenziale"
        denominazione: "Ufficio tecnico"
        competenze: "Lavori pubblici, edilizia privata, urbanistica."
        responsabile: "Responsabile dell'area tecnica"
        qualifica: "Funzionario tecnico"
        telefono: "0999 102230"
        email: "tecnico@{dom}"
""")
    w(f"{at}/controlli-e-rilievi-sull-amministrazione/controlli.yaml", f"""# Schema ANAC art. 31 (delibera 495/2024, allegato 3, mod. 481/2025)
anno: 2026
oiv:
  - documento: "Documento di validazione della Relazione sulla performance"
    data: 2026-06-30
    url: "https://www.{dom}/amministrazione-trasparente/performance/relazione-sulla-performance/"
revisori:
  - documento: "Relazione al rendiconto"
    data: 2026-04-20
    url: "https://www.{dom}/amministrazione-trasparente/bilanci/bilancio-preventivo-e-consuntivo/"
  - documento: "Relazione al bilancio di previsione"
    data: 2026-01-15
    url: "https://www.{dom}/amministrazione-trasparente/bilanci/bilancio-preventivo-e-consuntivo/"
""")


def gen_albo(d, c):
    """Atti around the example date 2026-11-23: current, annulled, future, expired, archived."""
    atti = [
        (1, "Determinazione", "Affidamento del servizio di manutenzione del verde pubblico", "2026-10-01", "2026-10-15", False, None),
        (2, "Deliberazione della Giunta comunale", "Approvazione del piano triennale delle opere pubbliche", "2026-10-20", "2026-11-03", True, None),
        (3, "Deliberazione della Giunta comunale", "Approvazione del piano delle opere pubbliche", "2026-11-16", None, False, None),
        (4, "Avviso", "Avviso di deposito in casa comunale di atti notificati", "2026-11-20", "2026-12-05", False, None),
        (5, "Ordinanza", "Chiusura temporanea di via Roma per lavori", "2026-11-18", "2026-12-02", False,
         {"data": "2026-11-21", "motivo": "Sostituita dall'ordinanza n. 6/2026"}),
        (6, "Ordinanza", "Senso unico alternato in via Roma per lavori", "2026-11-21", "2026-12-20", False, None),
        (7, "Avviso", "Avviso di convocazione del consiglio comunale", "2026-11-30", "2026-12-14", False, None),
    ]
    for (n, tipo, ogg, dal, al, archivio, annullato) in atti:
        lines = [f"numero: {n}", "anno: 2026", f"tipo: {q(tipo)}", f"oggetto: {q(ogg)}",
                 "pubblicazione:", f"  dal: {dal}"]
        if al:
            lines.append(f"  al: {al}")
        lines.append(f"ente_mittente: {q('Comune di ' + c['nome'])}")
        if n in (3, 6):
            lines += ["allegati:", f"  - titolo: {q('Testo dell' + chr(39) + 'atto')}", f"    file: \"atto-{n}.pdf\""]
        if archivio:
            lines.append("archivio: true")
        if annullato:
            lines += ["annullato:", f"  data: {annullato['data']}", f"  motivo: {q(annullato['motivo'])}"]
        w(f"{d}/albo/2026-{n:04d}.md", "---\n" + "\n".join(lines) + "\n---\n")
        if n in (3, 6):
            with open(f"{d}/albo/atto-{n}.pdf", "wb") as f:
                f.write(PDF)


def main():
    if os.path.exists(ROOT):
        shutil.rmtree(ROOT)
    w(f"{ROOT}/civico.yaml", """# La rete di esempio: tre comuni fittizi della Provincia di Valdoro.
gestore: "Centro Servizi Territoriali della Provincia di Valdoro"
gestore_url: "https://www.cst.valdoro.vd.example/"
tema: agid
lingua: it
fuso_orario: Europe/Rome
cartella_comuni: comuni
elementi_per_pagina: 6
# Il portale degli eventi del territorio, pubblicato accanto ai siti dei comuni.
portale:
  percorso: eventi
  titolo: "Eventi in provincia di Valdoro"
  base_url: "https://eventi.valdoro.vd.example/"
  descrizione: "Gli eventi di tutti i comuni della Provincia di Valdoro"
""")
    for c in COMUNI:
        gen_comune(c)

if __name__ == "__main__":
    main()
