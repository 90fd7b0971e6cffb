/* Helpers shared by the pages that call the `civico sportello` service (booking, assistenza,
 * segnalazioni): JSON across origins without cookies, with a timeout; elements filled with
 * textContent only; idempotency keys; the Italian message of a refusal; a fresh anti-robot
 * check after a refused submission. Exposed as window.civicoSportello. */
(function () {
  'use strict';

  /* GET `url`, or POST `corpo` as JSON (with an Idempotency-Key when given); resolves to
   * { stato, dati }, rejects when the service cannot be reached within `tempo` ms. */
  function chiama(url, corpo, chiave, tempo) {
    var ctrl = new AbortController();
    var t = setTimeout(function () { ctrl.abort(); }, tempo || 10000);
    var opz = { signal: ctrl.signal, credentials: 'omit', headers: {} };
    if (corpo) {
      opz.method = 'POST';
      opz.headers['Content-Type'] = 'application/json';
      if (chiave) opz.headers['Idempotency-Key'] = chiave;
      opz.body = JSON.stringify(corpo);
    }
    return fetch(url, opz).then(function (r) {
      clearTimeout(t);
      return r.json().catch(function () { return {}; }).then(function (j) {
        return { stato: r.status, dati: j };
      });
    }, function (e) {
      clearTimeout(t);
      throw e;
    });
  }

  function el(tag, testo, attr) {
    var e = document.createElement(tag);
    if (testo != null) e.textContent = testo;
    if (attr) Object.keys(attr).forEach(function (k) { e.setAttribute(k, attr[k]); });
    return e;
  }

  function chiave() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var a = new Uint8Array(16);
    crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
  }

  function messaggio(risposta) {
    var d = risposta.dati || {};
    if (d.errore) return d.errore;
    if (d.errori) return Object.keys(d.errori).map(function (k) { return d.errori[k]; }).join(' ');
    return 'Il servizio non risponde: riprova tra poco o contatta l\'ufficio.';
  }

  /* A challenge is spent once verified: a refused submission needs a new one. */
  function nuovaVerifica(form) {
    var w = form.querySelector('altcha-widget');
    if (w && w.reset) {
      w.reset();
      if (w.verify) w.verify();
    }
  }

  /* The solved challenge of the form, or ''. */
  function verifica(form) {
    var i = form.querySelector('input[name="altcha"]');
    return i ? i.value : '';
  }

  /* Shows step `n` of a form of steps (`section[data-passo]`, the step bar `.civico-passi`),
   * hides the back button on the first, and moves the focus to the step's title. */
  function mostraPasso(form, n, indietro) {
    form.querySelectorAll('[data-passo]').forEach(function (s) {
      s.hidden = Number(s.getAttribute('data-passo')) !== n;
    });
    form.querySelectorAll('.civico-passi li').forEach(function (li) {
      if (Number(li.getAttribute('data-indice')) === n) li.setAttribute('aria-current', 'step');
      else li.removeAttribute('aria-current');
    });
    indietro.hidden = n === 1;
    var h = form.querySelector('[data-passo="' + n + '"] [data-titolo-passo]');
    if (h) { h.setAttribute('tabindex', '-1'); h.focus(); }
  }

  window.civicoSportello = {
    chiama: chiama, el: el, chiave: chiave, messaggio: messaggio,
    nuovaVerifica: nuovaVerifica, verifica: verifica, mostraPasso: mostraPasso
  };
})();
