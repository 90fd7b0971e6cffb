/* Booking pages of the Modello Comuni, driven by the `civico sportello` service (JSON across
 * origins, no cookies). Progressive enhancement: the page shows the offices' contacts; the
 * steps appear only once the service answers. Text from the service is inserted with
 * textContent only, never as HTML. Needs civico-sportello.js (the shared helpers). */
(function () {
  'use strict';

  var S = window.civicoSportello;
  var chiama = S.chiama, el = S.el, chiaveCasuale = S.chiave, messaggio = S.messaggio;

  function meseDi(s) {
    return s.etichetta.replace(/^\S+ \d+ /, '').replace(/ ore .*$/, '');
  }

  /* "lunedì 7 dicembre 2026" and "9:20" from a slot's label "lunedì 7 dicembre 2026 ore 9:20". */
  function giornoDi(s) { return s.etichetta.replace(/ ore .*$/, ''); }
  function senzaAnno(g) { return g.replace(/ \d{4}$/, ''); }
  function oraDi(s) { var m = s.etichetta.match(/ ore (.*)$/); return m ? m[1] : s.etichetta; }

  /* The free times of a period, as the Designers Italia pattern has it: first the day (one
   * radio button per day with free times), then the times of that day. Keyboard: the arrows
   * move within a group (choosing a day shows its times), Tab goes to the next group. */
  function mostraSlot(box, slots, nome) {
    box.textContent = '';
    if (!slots.length) {
      box.appendChild(el('p', 'Nessun orario disponibile in questo periodo.'));
      return;
    }
    var giorni = [], perGiorno = {};
    slots.forEach(function (s) {
      var g = giornoDi(s);
      if (!perGiorno[g]) { perGiorno[g] = []; giorni.push(g); }
      perGiorno[g].push(s);
    });
    var fsGiorni = el('fieldset', null, { 'class': 'mb-3' });
    fsGiorni.appendChild(el('legend', 'Giorno*', { 'class': 'h6' }));
    var listaGiorni = el('div', null, { 'class': 'civico-giorni' });
    fsGiorni.appendChild(listaGiorni);
    var fsOrari = el('fieldset', null, { 'class': 'mb-3' });
    var legenda = el('legend', null, { 'class': 'h6' });
    var listaOrari = el('div', null, { 'class': 'civico-orari' });
    fsOrari.appendChild(legenda);
    fsOrari.appendChild(listaOrari);
    function orari(g) {
      legenda.textContent = 'Orario* (' + senzaAnno(g) + ')';
      listaOrari.textContent = '';
      perGiorno[g].forEach(function (s, i) {
        var id = nome + '-' + giorni.indexOf(g) + '-' + i;
        var d = el('div', null, { 'class': 'form-check form-check-inline' });
        d.appendChild(el('input', null, { type: 'radio', name: nome, id: id, value: s.inizio }));
        d.appendChild(el('label', oraDi(s), { 'for': id }));
        listaOrari.appendChild(d);
      });
    }
    giorni.forEach(function (g, i) {
      var id = nome + '-giorno-' + i;
      var n = perGiorno[g].length;
      var d = el('div', null, { 'class': 'form-check' });
      var r = el('input', null, { type: 'radio', name: nome + '-giorno', id: id, value: g });
      r.addEventListener('change', function () { orari(g); });
      d.appendChild(r);
      d.appendChild(el('label', senzaAnno(g) + ' (' + n + (n === 1 ? ' orario libero)' : ' orari liberi)'), { 'for': id }));
      listaGiorni.appendChild(d);
    });
    box.appendChild(fsGiorni);
    box.appendChild(fsOrari);
    listaGiorni.querySelector('input').checked = true;
    orari(giorni[0]);
  }

  function icsTesto(r) {
    function t(s) { return s.replace(/[-:]/g, '').replace(/\.\d+/, ''); }
    function esc(s) { return String(s || '').replace(/[\\;,]/g, function (c) { return '\\' + c; }).replace(/\n/g, '\\n'); }
    return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//civico//prenotazione//IT', 'BEGIN:VEVENT',
      'UID:' + r.codice + '@civico', 'DTSTAMP:' + t(new Date().toISOString()),
      'DTSTART:' + t(r.inizio), 'DTEND:' + t(r.fine),
      'SUMMARY:' + esc('Appuntamento: ' + r.sportello),
      'DESCRIPTION:' + esc('Codice prenotazione ' + r.codice),
      r.indirizzo ? 'LOCATION:' + esc(r.indirizzo) : null,
      'END:VEVENT', 'END:VCALENDAR'].filter(Boolean).join('\r\n') + '\r\n';
  }

  function prenota(root) {
    var api = root.getAttribute('data-api');
    var form = root.querySelector('[data-civico-passi]');
    var fallback = root.querySelector('[data-civico-fallback]');
    var erroreBox = root.querySelector('[data-civico-errore]');
    var avanti = form.querySelector('[data-civico-avanti]');
    var indietro = form.querySelector('[data-civico-indietro]');
    var selUfficio = form.querySelector('#office-choice');
    var selMese = form.querySelector('#appointment');
    var boxSlot = form.querySelector('[data-civico-slot]');
    var selMotivo = form.querySelector('#motivo-appuntamento');
    var dettagli = form.querySelector('#form-details');
    var widget = form.querySelector('altcha-widget');
    var params = new URLSearchParams(location.search);
    var stato = { passo: 1, sportelli: [], slots: [], trattenuta: null, chiave: null, inizio: null };

    function errore(t) {
      erroreBox.textContent = t || '';
      erroreBox.hidden = !t;
      if (t) erroreBox.focus && erroreBox.setAttribute('tabindex', '-1');
      if (t) erroreBox.focus();
    }

    function vai(n) {
      stato.passo = n;
      S.mostraPasso(form, n, indietro);
      avanti.textContent = n === 5 ? 'Conferma l\'appuntamento' : 'Avanti';
    }

    function ufficio() {
      return stato.sportelli.filter(function (u) { return u.id === selUfficio.value; })[0];
    }

    function caricaSlot() {
      var u = ufficio();
      return chiama(api + '/sportelli/' + encodeURIComponent(u.id) + '/disponibilita').then(function (r) {
        if (r.stato !== 200) throw new Error(messaggio(r));
        stato.slots = r.dati.slot || [];
        var mesi = [];
        stato.slots.forEach(function (s) { var m = meseDi(s); if (mesi.indexOf(m) < 0) mesi.push(m); });
        selMese.textContent = '';
        mesi.forEach(function (m) { selMese.appendChild(el('option', m.charAt(0).toUpperCase() + m.slice(1), { value: m })); });
        filtraMese();
      });
    }

    function filtraMese() {
      var m = selMese.value;
      mostraSlot(boxSlot, stato.slots.filter(function (s) { return meseDi(s) === m; }), 'slot');
    }

    function payloadAltcha() {
      var i = form.querySelector('input[name="altcha"]');
      return i ? i.value : '';
    }

    function nuovaVerifica() {
      if (widget && widget.reset) {
        widget.reset();
        if (widget.verify) widget.verify();
      }
    }

    function riepilogo() {
      var dl = form.querySelector('[data-civico-riepilogo]');
      dl.textContent = '';
      var u = ufficio();
      var s = stato.slots.filter(function (x) { return x.inizio === stato.inizio; })[0];
      [['Ufficio', u.nome + (u.indirizzo ? ' - ' + u.indirizzo : '')],
        ['Data e orario', s ? s.etichetta : ''],
        ['Motivo', selMotivo.value],
        ['Dettagli', dettagli.value || '-'],
        ['Richiedente', form.nome.value + ' ' + form.cognome.value],
        ['Email', form.email.value]].forEach(function (r) {
        dl.appendChild(el('dt', r[0]));
        dl.appendChild(el('dd', r[1]));
      });
    }

    function conferma(r) {
      var box = root.querySelector('[data-civico-conferma]');
      ['sportello', 'quando', 'codice', 'email', 'cosa_serve', 'indirizzo'].forEach(function (k) {
        box.querySelectorAll('[data-campo="' + k + '"]').forEach(function (e) { e.textContent = r[k] || ''; });
        var b = box.querySelector('[data-blocco="' + k + '"]');
        if (b) b.hidden = !r[k];
      });
      var ics = new Blob([icsTesto(r)], { type: 'text/calendar' });
      box.querySelector('[data-civico-ics]').href = URL.createObjectURL(ics);
      var g = 'https://calendar.google.com/calendar/render?action=TEMPLATE&text=' +
        encodeURIComponent('Appuntamento: ' + r.sportello) + '&dates=' +
        r.inizio.replace(/[-:]/g, '') + '/' + r.fine.replace(/[-:]/g, '') +
        (r.indirizzo ? '&location=' + encodeURIComponent(r.indirizzo) : '');
      box.querySelector('[data-civico-google]').href = g;
      if (r.gestione) box.querySelector('[data-civico-gestisci]').href = r.gestione;
      form.hidden = true;
      box.hidden = false;
      box.focus();
    }

    function campoErrato(errori) {
      var ordine = { sportello: 1, inizio: 2, motivo: 3, dettagli: 3, nome: 4, cognome: 4, email: 4, privacy: 4 };
      var min = 5;
      Object.keys(errori || {}).forEach(function (k) { if (ordine[k] && ordine[k] < min) min = ordine[k]; });
      return min;
    }

    function passoSuccessivo() {
      errore('');
      var n = stato.passo;
      if (n === 1) {
        if (!selUfficio.value) return Promise.resolve(errore('Scegli l\'ufficio.'));
        var u = ufficio();
        selMotivo.textContent = '';
        var motivi = u.motivi.length ? u.motivi : [{ nome: 'Altro' }];
        motivi.forEach(function (m) { selMotivo.appendChild(el('option', m.nome, { value: m.nome })); });
        var preferito = params.get('motivo');
        if (preferito) selMotivo.value = preferito;
        if (!selMotivo.value) selMotivo.selectedIndex = 0;
        return caricaSlot().then(function () { vai(2); });
      }
      if (n === 2) {
        var scelto = form.querySelector('input[name="slot"]:checked');
        if (!scelto) return Promise.resolve(errore('Scegli un orario tra quelli disponibili.'));
        var pow = payloadAltcha();
        if (!pow) return Promise.resolve(errore('Attendi il completamento della verifica anti-robot, poi premi di nuovo Avanti.'));
        return chiama(api + '/trattenute', { sportello: selUfficio.value, inizio: scelto.value, altcha: pow, sito_web: form.sito_web.value }).then(function (r) {
          nuovaVerifica();
          if (r.stato === 201) {
            stato.trattenuta = r.dati.trattenuta;
            stato.chiave = chiaveCasuale();
            stato.inizio = scelto.value;
            var scade = new Date(r.dati.scade);
            form.querySelector('[data-civico-trattenuta]').textContent =
              'Teniamo l\'orario per te fino alle ' + scade.toLocaleTimeString('it-IT', { hour: '2-digit', minute: '2-digit' }) + '.';
            vai(3);
          } else {
            errore(messaggio(r));
            if (r.stato === 409) return caricaSlot();
          }
        });
      }
      if (n === 3) {
        if (dettagli.value.length > 200) return Promise.resolve(errore('I dettagli possono avere al massimo 200 caratteri.'));
        vai(4);
        return Promise.resolve();
      }
      if (n === 4) {
        var mancano = [];
        if (!form.nome.value.trim()) mancano.push('il nome');
        if (!form.cognome.value.trim()) mancano.push('il cognome');
        if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(form.email.value.trim())) mancano.push('un indirizzo email valido');
        if (!form.privacy.checked) mancano.push('la conferma di aver letto l\'informativa');
        if (mancano.length) return Promise.resolve(errore('Inserisci ' + mancano.join(', ') + '.'));
        riepilogo();
        vai(5);
        return Promise.resolve();
      }
      avanti.disabled = true;
      return chiama(api + '/prenotazioni', {
        trattenuta: stato.trattenuta, nome: form.nome.value, cognome: form.cognome.value,
        email: form.email.value, motivo: selMotivo.value, dettagli: dettagli.value,
        privacy: form.privacy.checked, sito_web: form.sito_web.value
      }, stato.chiave).then(function (r) {
        avanti.disabled = false;
        if (r.stato === 201) return conferma(r.dati);
        errore(messaggio(r));
        if (r.stato === 410 || r.stato === 409) return caricaSlot().then(function () { vai(2); });
        if (r.stato === 422) vai(campoErrato(r.dati.errori));
      });
    }

    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      avanti.disabled = true;
      passoSuccessivo().then(function () { avanti.disabled = false; }, function (e) {
        avanti.disabled = false;
        errore(e && e.message && e.name !== 'AbortError' && e.name !== 'TypeError' ? e.message : 'Il servizio non risponde: riprova tra poco o contatta l\'ufficio.');
      });
    });
    indietro.addEventListener('click', function () { errore(''); vai(stato.passo - 1); });
    selMese.addEventListener('change', filtraMese);
    dettagli.addEventListener('input', function () {
      form.querySelector('[data-civico-contatore]').textContent = String(200 - dettagli.value.length);
    });

    chiama(api + '/sportelli').then(function (r) {
      if (r.stato !== 200 || !r.dati.sportelli || !r.dati.sportelli.length) return;
      /* A service is named by its file (servizi/carta-identita) in sportello.yaml and by its
       * page (/servizi/anagrafe/carta-identita/) in the link: compare the last segment. */
      var norma = function (s) {
        var p = String(s || '').replace(/\.md$/, '').split('/').filter(Boolean);
        return p.length ? p[p.length - 1] : '';
      };
      var servizio = norma(params.get('servizio'));
      stato.sportelli = r.dati.sportelli.filter(function (u) {
        return !servizio || u.servizi.map(norma).indexOf(servizio) >= 0;
      });
      if (!stato.sportelli.length) stato.sportelli = r.dati.sportelli;
      stato.sportelli.forEach(function (u) { selUfficio.appendChild(el('option', u.nome, { value: u.id })); });
      if (stato.sportelli.length === 1) selUfficio.value = stato.sportelli[0].id;
      form.querySelector('[data-civico-informativa]').href = r.dati.informativa;
      fallback.hidden = true;
      form.hidden = false;
      vai(1);
    }, function () { /* the contacts stay */ });
  }

  function gestisci(root) {
    var api = root.getAttribute('data-api');
    var token = (location.hash.match(/[#&]t=([A-Z0-9]{32})/) || [])[1];
    var statoBox = root.querySelector('[data-civico-stato]');
    var erroreBox = root.querySelector('[data-civico-errore]');
    var dettaglio = root.querySelector('[data-civico-dettaglio]');
    var azioni = root.querySelector('[data-civico-azioni]');
    var nuovo = root.querySelector('[data-civico-nuovo-orario]');
    var corrente = null;
    if (!token) return;

    function errore(t) { erroreBox.textContent = t || ''; erroreBox.hidden = !t; }
    function mostra(p) {
      corrente = p;
      ['codice', 'sportello_nome', 'quando', 'preavviso_annullamento_ore'].forEach(function (k) {
        dettaglio.querySelectorAll('[data-campo="' + k + '"]').forEach(function (e) { e.textContent = p[k] == null ? '' : String(p[k]); });
      });
      dettaglio.querySelector('[data-campo="stato"]').textContent =
        { confermata: 'Confermato', annullata: 'Annullato', svolta: 'Svolto', assente: 'Non presentato' }[p.stato] || p.stato;
      dettaglio.hidden = false;
      azioni.hidden = !p.annullabile;
      nuovo.hidden = true;
    }
    statoBox.textContent = 'Caricamento dell\'appuntamento…';
    chiama(api + '/prenotazioni/consulta', { token: token }).then(function (r) {
      statoBox.textContent = '';
      if (r.stato === 200) mostra(r.dati); else errore(messaggio(r));
    }, function () { statoBox.textContent = ''; errore('Il servizio non risponde: riprova tra poco o contatta l\'ufficio.'); });

    root.querySelector('[data-civico-annulla]').addEventListener('click', function () {
      if (!window.confirm('Vuoi annullare l\'appuntamento?')) return;
      chiama(api + '/prenotazioni/annulla', { token: token }).then(function (r) {
        if (r.stato === 200) { mostra(r.dati); statoBox.textContent = 'Appuntamento annullato. Ti abbiamo inviato una email di conferma.'; }
        else errore(messaggio(r));
      });
    });
    root.querySelector('[data-civico-sposta]').addEventListener('click', function () {
      chiama(api + '/sportelli/' + encodeURIComponent(corrente.sportello) + '/disponibilita').then(function (r) {
        if (r.stato !== 200) return errore(messaggio(r));
        mostraSlot(nuovo.querySelector('[data-civico-slot]'), r.dati.slot, 'nuovo');
        nuovo.hidden = false;
      });
    });
    nuovo.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var s = nuovo.querySelector('input[name="nuovo"]:checked');
      if (!s) return errore('Scegli il nuovo orario.');
      chiama(api + '/prenotazioni/sposta', { token: token, inizio: s.value }).then(function (r) {
        if (r.stato === 200) { errore(''); mostra(r.dati); statoBox.textContent = 'Appuntamento spostato. Ti abbiamo inviato una email con il nuovo orario.'; }
        else errore(messaggio(r));
      });
    });
  }

  /* Richiesta di assistenza: one form, the services of the chosen category, a code back. */
  function assistenza(root) {
    var api = root.getAttribute('data-api');
    var form = root.querySelector('[data-civico-modulo]');
    var erroreBox = form.querySelector('[data-civico-errore]');
    var cat = form.querySelector('#category');
    var serv = form.querySelector('#service');
    var desc = form.querySelector('#description');
    var chiave = chiaveCasuale();
    function errore(t) { erroreBox.textContent = t || ''; erroreBox.hidden = !t; if (t) erroreBox.focus(); }
    cat.addEventListener('change', function () {
      serv.textContent = '';
      var o = cat.options[cat.selectedIndex];
      var lista = (o && o.getAttribute('data-servizi') || '').split('|').filter(Boolean);
      serv.appendChild(el('option', lista.length ? 'Seleziona il servizio' : 'Seleziona prima la categoria', { value: '' }));
      lista.forEach(function (x) { serv.appendChild(el('option', x, { value: x })); });
    });
    desc.addEventListener('input', function () {
      form.querySelector('[data-civico-contatore]').textContent = String(600 - desc.value.length);
    });
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var mancano = [];
      if (!form.nome.value.trim()) mancano.push('il nome');
      if (!form.cognome.value.trim()) mancano.push('il cognome');
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(form.email.value.trim())) mancano.push('un indirizzo email valido');
      if (!cat.value) mancano.push('la categoria');
      if (!serv.value) mancano.push('il servizio');
      if (!desc.value.trim()) mancano.push('i dettagli della richiesta');
      if (!form.privacy.checked) mancano.push('la conferma di aver letto l\'informativa');
      if (mancano.length) return errore('Inserisci ' + mancano.join(', ') + '.');
      var pow = (form.querySelector('input[name="altcha"]') || {}).value;
      if (!pow) return errore('Attendi il completamento della verifica anti-robot, poi invia di nuovo.');
      var bottone = form.querySelector('[data-civico-invia]');
      bottone.disabled = true;
      chiama(api + '/assistenza', {
        nome: form.nome.value, cognome: form.cognome.value, email: form.email.value,
        categoria: cat.value, servizio: serv.value, descrizione: desc.value,
        privacy: form.privacy.checked, altcha: pow, sito_web: form.sito_web.value
      }, chiave).then(function (r) {
        bottone.disabled = false;
        if (r.stato === 201) {
          var box = root.querySelector('[data-civico-inviata]');
          box.querySelector('[data-campo="codice"]').textContent = r.dati.codice;
          box.querySelector('[data-campo="email"]').textContent = r.dati.email;
          form.hidden = true;
          box.hidden = false;
          box.focus();
        } else {
          errore(messaggio(r));
          var w = form.querySelector('altcha-widget');
          if (w && w.reset) { w.reset(); if (w.verify) w.verify(); }
        }
      }, function () {
        bottone.disabled = false;
        errore('Il servizio non risponde: riprova tra poco o contatta il Comune.');
      });
    });
    chiama(api + '/sportelli').then(function (r) {
      if (r.stato !== 200) return;
      root.querySelector('[data-civico-fallback]').hidden = true;
      form.hidden = false;
    }, function () { /* the contacts stay */ });
  }

  document.querySelectorAll('[data-civico-prenota]').forEach(prenota);
  document.querySelectorAll('[data-civico-assistenza]').forEach(assistenza);
  document.querySelectorAll('[data-civico-gestione]').forEach(gestisci);
})();
