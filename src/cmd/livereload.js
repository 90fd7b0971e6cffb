// civico serve: reloads the page after a rebuild, swaps stylesheets when only CSS changed,
// and shows the content's errors over the page while there are any. Injected by the preview
// server only; the built files never contain it.
(function () {
  'use strict';
  var versione = null;
  var ID = 'civico-errori';

  function mostra(stato) {
    var box = document.getElementById(ID);
    if (!stato.errori || stato.errori.length === 0) {
      if (box) box.remove();
      return;
    }
    if (!box) {
      box = document.createElement('div');
      box.id = ID;
      box.setAttribute('role', 'alertdialog');
      box.setAttribute('aria-labelledby', ID + '-titolo');
      box.style.cssText = 'position:fixed;inset:0;z-index:100000;overflow:auto;background:rgba(20,20,20,.92);' +
        'color:#fff;font:15px/1.5 ui-monospace,monospace;padding:2rem';
      document.body.appendChild(box);
    }
    box.textContent = '';
    var h = document.createElement('h2');
    h.id = ID + '-titolo';
    h.style.cssText = 'color:#ff8a80;font-size:1.3rem;margin:0 0 1rem';
    h.textContent = stato.errori.length === 1 ? '1 errore nei contenuti' : stato.errori.length + ' errori nei contenuti';
    box.appendChild(h);
    var p = document.createElement('p');
    p.textContent = "L'anteprima mostra l'ultima versione corretta del sito: correggi i file indicati e salva.";
    box.appendChild(p);
    var ul = document.createElement('ul');
    ul.style.cssText = 'list-style:none;padding:0';
    stato.errori.forEach(function (e) {
      var li = document.createElement('li');
      li.className = 'civico-errore';
      li.style.cssText = 'margin:0 0 1rem;padding:.75rem;border-left:4px solid #ff8a80;background:#2b2b2b';
      var dove = document.createElement('strong');
      dove.className = 'civico-errore-posizione';
      dove.textContent = e.file + (e.riga ? ':' + e.riga + (e.colonna ? ':' + e.colonna : '') : '');
      li.appendChild(dove);
      var msg = document.createElement('div');
      msg.textContent = e.codice + ': ' + e.messaggio;
      li.appendChild(msg);
      if (e.aiuto) {
        var aiuto = document.createElement('div');
        aiuto.style.color = '#b9f6ca';
        aiuto.textContent = 'Come correggere: ' + e.aiuto;
        li.appendChild(aiuto);
      }
      ul.appendChild(li);
    });
    box.appendChild(ul);
  }

  function fogliDiStile() {
    var links = document.querySelectorAll('link[rel="stylesheet"]');
    Array.prototype.forEach.call(links, function (l) {
      var u = new URL(l.href);
      u.searchParams.set('civico', Date.now());
      l.href = u.toString();
    });
  }

  function gestisci(tipo, ev) {
    var stato;
    try { stato = JSON.parse(ev.data); } catch (e) { return; }
    mostra(stato);
    document.documentElement.setAttribute('data-civico-anteprima', 'connessa');
    var nuova = versione !== null && stato.versione !== versione;
    versione = stato.versione;
    if (!nuova || stato.errori.length) return;
    if (tipo === 'css') fogliDiStile();
    else location.reload();
  }

  if (!window.EventSource) return;
  var es = new EventSource('/__civico/eventi');
  ['stato', 'reload', 'css', 'errori'].forEach(function (tipo) {
    es.addEventListener(tipo, function (ev) { gestisci(tipo, ev); });
  });
})();
