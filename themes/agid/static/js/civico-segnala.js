/* Segnalazione disservizio pages of the Modello Comuni, driven by `civico sportello`: the
 * steps (Autorizzazioni e condizioni, Dati di segnalazione, Riepilogo, conferma), the
 * follow-up page opened with the token of the email, and the public list with its map.
 * Progressive enhancement: the pages show how to report by email or phone until the service
 * answers. The map (Leaflet) fetches tiles only once the citizen opens it. Text from the
 * service and from files is inserted with textContent only. Needs civico-sportello.js. */
(function () {
  'use strict';

  var S = window.civicoSportello;
  var el = S.el;
  /* Leaflet, read from window: the ALTCHA bundle declares a global `const L` that shadows it
   * for a bare `L`. */
  function leaflet() { return window.L && window.L.map ? window.L : null; }
  var MAX_FILE = 3;
  var MAX_BYTE = 5 * 1024 * 1024;
  var TIPI = ['image/jpeg', 'image/png', 'image/webp', 'application/pdf'];

  function quando(iso) {
    var d = new Date(iso);
    if (isNaN(d)) return iso;
    return d.toLocaleString('it-IT', {
      timeZone: 'Europe/Rome', day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit'
    });
  }

  function mese(m) {
    var d = new Date(m + '-15T12:00:00Z');
    return isNaN(d) ? m : d.toLocaleDateString('it-IT', { month: 'long', year: 'numeric' });
  }

  function leggiMappa(root) {
    try { return JSON.parse(root.getAttribute('data-mappa') || 'null'); } catch (e) { return null; }
  }

  /* A Leaflet map in `box`, with the tiles of `m` (created on demand). */
  function nuovaMappa(box, m) {
    var L = leaflet();
    box.hidden = false;
    var mappa = L.map(box, { keyboard: true }).setView(m.centro, m.zoom);
    L.tileLayer(m.tessere, { maxZoom: 19, attribution: m.attribuzione }).addTo(mappa);
    return mappa;
  }

  function kb(n) { return n < 1024 * 1024 ? Math.ceil(n / 1024) + ' kB' : (n / 1024 / 1024).toFixed(1) + ' MB'; }

  function leggiFile(f) {
    return new Promise(function (ok, ko) {
      var r = new FileReader();
      r.onload = function () { ok({ nome: f.name, dati: r.result }); };
      r.onerror = function () { ko(new Error('file')); };
      r.readAsDataURL(f);
    });
  }

  /* The form. */
  function segnala(root) {
    var api = root.getAttribute('data-api');
    var form = root.querySelector('form[data-civico-passi]');
    var erroreBox = form.querySelector('[data-civico-errore]');
    var avanti = form.querySelector('[data-civico-avanti]');
    var indietro = form.querySelector('[data-civico-indietro]');
    var inputFile = form.querySelector('#allegati');
    var dettagli = form.querySelector('#details');
    var statoPunto = form.querySelector('[data-civico-punto]');
    var togli = form.querySelector('[data-civico-togli-punto]');
    var m = leggiMappa(root);
    var stato = { passo: 1, punto: null, chiave: S.chiave(), mappa: null, segno: null };

    function errore(t) {
      erroreBox.textContent = t || '';
      erroreBox.hidden = !t;
      if (t) erroreBox.focus();
    }

    function vai(n) {
      stato.passo = n;
      S.mostraPasso(form, n, indietro);
      avanti.textContent = n === 3 ? 'Invia la segnalazione' : 'Avanti';
      if (n === 2 && stato.mappa) stato.mappa.invalidateSize();
    }

    function mettiPunto(lat, lon, come) {
      var L = leaflet();
      stato.punto = { lat: Math.round(lat * 1e6) / 1e6, lon: Math.round(lon * 1e6) / 1e6 };
      statoPunto.textContent = 'Punto indicato ' + come + ': ' + stato.punto.lat.toFixed(5) + ', ' + stato.punto.lon.toFixed(5) + '.';
      togli.hidden = false;
      if (stato.mappa) {
        if (stato.segno) stato.segno.setLatLng([lat, lon]);
        else stato.segno = L.circleMarker([lat, lon], { radius: 9, color: '#b71918', weight: 3 }).addTo(stato.mappa);
      }
    }

    togli.addEventListener('click', function () {
      stato.punto = null;
      statoPunto.textContent = 'Nessun punto indicato: scrivi l\'indirizzo.';
      togli.hidden = true;
      if (stato.segno) { stato.segno.remove(); stato.segno = null; }
    });

    form.querySelector('[data-civico-posizione]').addEventListener('click', function () {
      if (!navigator.geolocation) return errore('Il tuo dispositivo non fornisce la posizione: scrivi l\'indirizzo.');
      statoPunto.textContent = 'Cerco la tua posizione…';
      navigator.geolocation.getCurrentPosition(function (p) {
        mettiPunto(p.coords.latitude, p.coords.longitude, 'dalla tua posizione (precisione circa ' + Math.round(p.coords.accuracy) + ' m)');
        if (stato.mappa) stato.mappa.setView([p.coords.latitude, p.coords.longitude], 17);
      }, function () {
        statoPunto.textContent = '';
        errore('Non è stato possibile ottenere la posizione: scrivi l\'indirizzo o scegli il punto sulla mappa.');
      }, { enableHighAccuracy: true, timeout: 15000 });
    });

    var apri = form.querySelector('[data-civico-apri-mappa]');
    if (apri && m && leaflet()) {
      apri.addEventListener('click', function () {
        if (stato.mappa) return;
        apri.setAttribute('aria-expanded', 'true');
        var box = form.querySelector('[data-civico-mappa]');
        box.setAttribute('aria-label', 'Mappa: tocca o fai clic sul punto del disservizio; con la tastiera sposta la mappa con le frecce e usa il pulsante sotto');
        stato.mappa = nuovaMappa(box, m);
        stato.mappa.on('click', function (e) { mettiPunto(e.latlng.lat, e.latlng.lng, 'sulla mappa'); });
        var centro = el('button', 'Indica il centro della mappa', { type: 'button', 'class': 'btn btn-outline-primary btn-sm mb-2' });
        centro.addEventListener('click', function () {
          var c = stato.mappa.getCenter();
          mettiPunto(c.lat, c.lng, 'al centro della mappa');
        });
        box.parentNode.insertBefore(centro, box.nextSibling);
        if (stato.punto) mettiPunto(stato.punto.lat, stato.punto.lon, 'sulla mappa');
        apri.hidden = true;
      });
    } else if (apri) {
      apri.hidden = true;
    }

    dettagli.addEventListener('input', function () {
      form.querySelector('[data-civico-contatore]').textContent = String(200 - dettagli.value.length);
    });

    function fileScelti() { return Array.prototype.slice.call(inputFile.files || []); }

    function problemaFile() {
      var f = fileScelti();
      if (f.length > MAX_FILE) return 'Puoi allegare al massimo ' + MAX_FILE + ' file.';
      for (var i = 0; i < f.length; i++) {
        if (f[i].size > MAX_BYTE) return 'Il file «' + f[i].name + '» è troppo grande: al massimo 5 MB.';
        if (f[i].type && TIPI.indexOf(f[i].type) < 0) return 'Il file «' + f[i].name + '» non è una foto JPEG, PNG o WebP né un PDF.';
      }
      return '';
    }

    inputFile.addEventListener('change', function () {
      var lista = form.querySelector('[data-civico-file]');
      lista.textContent = '';
      fileScelti().forEach(function (f) { lista.appendChild(el('li', f.name + ' (' + kb(f.size) + ')')); });
      var p = problemaFile();
      if (p) errore(p); else errore('');
    });

    function mancano() {
      var v = [];
      if (!form.indirizzo.value.trim() && !stato.punto) v.push('il luogo (indirizzo o punto)');
      if (!form.categoria.value) v.push('il tipo di disservizio');
      if (!form.titolo.value.trim()) v.push('il titolo');
      if (!dettagli.value.trim()) v.push('i dettagli');
      if (!form.nome.value.trim()) v.push('il nome');
      if (!form.cognome.value.trim()) v.push('il cognome');
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(form.email.value.trim())) v.push('un indirizzo email valido');
      return v;
    }

    function riepilogo() {
      var dl = form.querySelector('[data-civico-riepilogo]');
      dl.textContent = '';
      var luogo = form.indirizzo.value.trim();
      if (stato.punto) luogo = (luogo ? luogo + ' · ' : '') + 'punto ' + stato.punto.lat.toFixed(5) + ', ' + stato.punto.lon.toFixed(5);
      var nomi = fileScelti().map(function (f) { return f.name; }).join(', ') || 'nessuno';
      [['Luogo', luogo], ['Tipo di disservizio', form.categoria.value], ['Titolo', form.titolo.value.trim()],
       ['Dettagli', dettagli.value.trim()], ['Immagini e documenti', nomi],
       ['Autore', form.nome.value.trim() + ' ' + form.cognome.value.trim()], ['Email', form.email.value.trim()],
       ['Telefono', form.telefono.value.trim() || '-']].forEach(function (r) {
        dl.appendChild(el('dt', r[0]));
        dl.appendChild(el('dd', r[1]));
      });
    }

    function conferma(r) {
      var box = root.querySelector('[data-civico-conferma]');
      box.querySelector('[data-campo="codice"]').textContent = r.codice;
      box.querySelector('[data-campo="email"]').textContent = r.email;
      if (r.entro) {
        box.querySelector('[data-campo="entro"]').textContent = r.entro;
        box.querySelector('[data-blocco="entro"]').hidden = false;
      }
      form.hidden = true;
      box.hidden = false;
      box.focus();
    }

    function invia() {
      return Promise.all(fileScelti().map(leggiFile)).then(function (allegati) {
        var corpo = {
          categoria: form.categoria.value, titolo: form.titolo.value, dettagli: dettagli.value,
          indirizzo: form.indirizzo.value, nome: form.nome.value, cognome: form.cognome.value,
          email: form.email.value, telefono: form.telefono.value, privacy: form.privacy.checked,
          allegati: allegati, altcha: S.verifica(form), sito_web: form.sito_web.value
        };
        if (stato.punto) { corpo.lat = stato.punto.lat; corpo.lon = stato.punto.lon; }
        return S.chiama(api + '/segnalazioni', corpo, stato.chiave, 90000);
      }).then(function (r) {
        if (r.stato === 201) return conferma(r.dati);
        S.nuovaVerifica(form);
        errore(S.messaggio(r));
        if (r.stato === 422 && r.dati.errori) vai(2);
      });
    }

    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      errore('');
      if (stato.passo === 1) {
        if (!form.privacy.checked) return errore('Per continuare conferma di aver letto l\'informativa sulla privacy.');
        return vai(2);
      }
      if (stato.passo === 2) {
        var v = mancano();
        if (v.length) return errore('Inserisci ' + v.join(', ') + '.');
        var p = problemaFile();
        if (p) return errore(p);
        if (!S.verifica(form)) return errore('Attendi il completamento della verifica anti-robot, poi premi di nuovo Avanti.');
        riepilogo();
        return vai(3);
      }
      avanti.disabled = true;
      avanti.textContent = 'Invio in corso…';
      invia().then(function () {
        avanti.disabled = false;
        if (stato.passo === 3) avanti.textContent = 'Invia la segnalazione';
      }, function () {
        avanti.disabled = false;
        avanti.textContent = 'Invia la segnalazione';
        errore('Il servizio non risponde: riprova tra poco. La segnalazione non è andata persa se la invii di nuovo da questa pagina.');
      });
    });
    indietro.addEventListener('click', function () { errore(''); vai(stato.passo - 1); });

    S.chiama(api + '/segnalazioni/pubbliche').then(function (r) {
      if (r.stato !== 200) return;
      root.querySelector('[data-civico-fallback]').hidden = true;
      form.hidden = false;
      vai(1);
    }, function () { /* the contacts stay */ });
  }

  /* The follow-up page: the token travels in the fragment, never to a server log. */
  function segui(root) {
    var api = root.getAttribute('data-api');
    var erroreBox = root.querySelector('[data-civico-errore]');
    var t = (location.hash.match(/[#&]t=([A-Za-z0-9]{32})/) || [])[1];
    if (!t) return;
    var msg = root.querySelector('[data-civico-stato]');
    msg.textContent = 'Caricamento della segnalazione…';
    S.chiama(api + '/segnalazioni/consulta', { token: t }).then(function (r) {
      if (r.stato !== 200) {
        msg.textContent = '';
        erroreBox.textContent = S.messaggio(r);
        erroreBox.hidden = false;
        erroreBox.focus();
        return;
      }
      var d = r.dati;
      msg.textContent = '';
      var box = root.querySelector('[data-civico-dettaglio]');
      var luogo = d.indirizzo || '';
      if (d.lat && d.lon) luogo = (luogo ? luogo + ' · ' : '') + 'punto ' + d.lat + ', ' + d.lon;
      var valori = {
        codice: d.codice, stato_etichetta: d.stato_etichetta, categoria: d.categoria, luogo: luogo,
        titolo: d.titolo, dettagli: d.dettagli, ufficio: d.ufficio, file: (d.file || []).join(', ') || 'nessuno'
      };
      Object.keys(valori).forEach(function (k) {
        box.querySelectorAll('[data-campo="' + k + '"]').forEach(function (e) { e.textContent = valori[k]; });
      });
      var ol = box.querySelector('[data-civico-storia]');
      ol.textContent = '';
      (d.storia || []).forEach(function (p) {
        var li = el('li');
        li.appendChild(el('strong', quando(p.quando)));
        li.appendChild(document.createTextNode(' · ' + p.cosa));
        if (p.messaggio) li.appendChild(el('p', 'Messaggio dell\'ufficio: ' + p.messaggio, { 'class': 'mb-1' }));
        ol.appendChild(li);
      });
      box.hidden = false;
    }, function () {
      msg.textContent = 'Il servizio non risponde: riprova tra poco.';
    });
  }

  /* The public list, its filter and its map. */
  function elenco(root) {
    var api = root.getAttribute('data-api');
    var m = leggiMappa(root);
    var sez = root.querySelector('[data-civico-elenco]');
    var lista = sez.querySelector('[data-civico-lista]');
    var filtro = sez.querySelector('[data-civico-filtro]');
    var conteggio = sez.querySelector('[data-civico-conteggio]');
    var boxMappa = sez.querySelector('[data-civico-mappa]');
    var dati = [];
    var mappa = null;
    var livello = null;

    function visibili() {
      return dati.filter(function (x) { return !filtro.value || x.categoria === filtro.value; });
    }

    function disegnaMappa() {
      var L = leaflet();
      if (!mappa) return;
      if (livello) livello.remove();
      livello = L.layerGroup().addTo(mappa);
      visibili().forEach(function (x) {
        if (x.lat == null || x.lon == null) return;
        var testo = el('div');
        testo.appendChild(el('strong', x.categoria));
        testo.appendChild(el('div', x.luogo));
        testo.appendChild(el('div', x.stato_etichetta + ' · ' + mese(x.mese)));
        L.circle([x.lat, x.lon], { radius: 100, color: '#0066cc' }).bindPopup(testo).addTo(livello);
      });
    }

    function disegna() {
      var v = visibili();
      lista.textContent = '';
      conteggio.textContent = v.length === 1 ? '1 segnalazione' : v.length + ' segnalazioni';
      v.forEach(function (x) {
        var li = el('li', null, { 'class': 'border-bottom py-2' });
        li.appendChild(el('strong', x.categoria));
        li.appendChild(document.createTextNode(' · ' + (x.luogo || 'luogo non indicato') + ' · '));
        li.appendChild(el('span', x.stato_etichetta, { 'class': 'badge bg-' + (x.stato === 'risolta' || x.stato === 'chiusa' ? 'success' : 'primary') }));
        li.appendChild(el('span', ' ' + mese(x.mese), { 'class': 'text-muted' }));
        lista.appendChild(li);
      });
      disegnaMappa();
    }

    filtro.addEventListener('change', disegna);
    sez.querySelectorAll('[data-civico-vista]').forEach(function (b) {
      b.addEventListener('click', function () {
        var suMappa = b.getAttribute('data-civico-vista') === 'mappa';
        sez.querySelectorAll('[data-civico-vista]').forEach(function (x) { x.setAttribute('aria-pressed', String(x === b)); });
        lista.hidden = suMappa;
        sez.querySelector('[data-civico-nota-mappa]').hidden = !suMappa;
        if (suMappa && !mappa && m && leaflet()) {
          boxMappa.setAttribute('aria-label', 'Mappa delle segnalazioni prese in carico');
          mappa = nuovaMappa(boxMappa, m);
          disegnaMappa();
        }
        boxMappa.hidden = !suMappa;
        if (mappa) mappa.invalidateSize();
      });
    });

    S.chiama(api + '/segnalazioni/pubbliche').then(function (r) {
      if (r.stato !== 200) return;
      dati = r.dati.segnalazioni || [];
      var n = r.dati.risolte_12_mesi || 0;
      sez.querySelector('[data-civico-risolte]').textContent = 'Negli ultimi 12 mesi ' +
        (n === 1 ? 'è stata risolta 1 segnalazione.' : 'sono state risolte ' + n + ' segnalazioni.');
      root.querySelector('[data-civico-fallback]').hidden = true;
      sez.hidden = false;
      disegna();
    }, function () { /* the fallback stays */ });
  }

  document.querySelectorAll('[data-civico-segnala]').forEach(segnala);
  document.querySelectorAll('[data-civico-segui]').forEach(segui);
  document.querySelectorAll('[data-civico-elenco-segnalazioni]').forEach(elenco);
})();
