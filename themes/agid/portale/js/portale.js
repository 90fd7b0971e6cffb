/*
 * civico: the territory events portal. Filters by comune, zona and category; "Il mio Comune"
 * and "I miei eventi" saved in this device's localStorage (no cookies, nothing sent anywhere);
 * export of the saved events as .ics; service worker for offline use. Without JavaScript the
 * page is the full list.
 */
(function () {
  "use strict";
  // Captured now: document.currentScript is null once the DOM is loaded.
  var me = document.currentScript;
  var STORE_COMUNE = "civico.portale.comune";
  var STORE_MIEI = "civico.portale.miei";

  function load(key, fallback) {
    try { var v = window.localStorage.getItem(key); return v === null ? fallback : JSON.parse(v); }
    catch (e) { return fallback; }
  }
  function save(key, value) {
    try { window.localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* private mode */ }
  }

  function ready() {
    var form = document.getElementById("filtri");
    var list = document.getElementById("eventi");
    if (!form || !list) return;
    form.hidden = false;
    var comune = document.getElementById("filtro-comune");
    var zona = document.getElementById("filtro-zona");
    var categoria = document.getElementById("filtro-categoria");
    var mio = document.getElementById("mio-comune");
    var soloMiei = document.getElementById("solo-miei");
    var count = document.getElementById("conteggio");
    var esporta = document.getElementById("esporta");
    var cards = Array.prototype.slice.call(list.querySelectorAll(".evento"));
    var miei = load(STORE_MIEI, []);

    var saved = load(STORE_COMUNE, "");
    if (saved) { comune.value = saved; mio.checked = comune.value === saved; }

    function apply() {
      var shown = 0;
      cards.forEach(function (c) {
        var ok = (!comune.value || c.dataset.comune === comune.value) &&
          (!zona.value || c.dataset.zona === zona.value) &&
          (!categoria.value || c.dataset.categoria === categoria.value) &&
          (!soloMiei.checked || miei.indexOf(c.dataset.id) >= 0);
        c.classList.toggle("nascosto", !ok);
        if (ok) shown++;
      });
      count.textContent = shown === 1 ? "1 evento" : shown + " eventi";
      esporta.hidden = miei.length === 0;
      if (miei.length) esporta.href = "data:text/calendar;charset=utf-8," + encodeURIComponent(ics());
    }

    function icsText(s) {
      return String(s).replace(/\\/g, "\\\\").replace(/;/g, "\\;").replace(/,/g, "\\,").replace(/\n/g, "\\n");
    }
    function ics() {
      var lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//civico//portale//IT", "CALSCALE:GREGORIAN"];
      var stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
      cards.forEach(function (c) {
        if (miei.indexOf(c.dataset.id) < 0) return;
        var allDay = c.dataset.icsInizio.length === 8;
        lines.push("BEGIN:VEVENT", "UID:" + c.dataset.id + "@portale", "DTSTAMP:" + stamp,
          (allDay ? "DTSTART;VALUE=DATE:" : "DTSTART:") + c.dataset.icsInizio,
          (allDay ? "DTEND;VALUE=DATE:" : "DTEND:") + c.dataset.icsFine,
          "SUMMARY:" + icsText(c.dataset.titolo), "URL:" + c.dataset.url);
        if (c.dataset.luogo) lines.push("LOCATION:" + icsText(c.dataset.luogo));
        lines.push("END:VEVENT");
      });
      lines.push("END:VCALENDAR");
      return lines.join("\r\n") + "\r\n";
    }

    cards.forEach(function (c) {
      var b = c.querySelector(".salva");
      if (!b) return;
      b.hidden = false;
      var set = function () {
        var on = miei.indexOf(c.dataset.id) >= 0;
        b.setAttribute("aria-pressed", on ? "true" : "false");
        b.firstChild.textContent = on ? "Tra i miei eventi" : "Salva tra i miei eventi";
      };
      set();
      b.addEventListener("click", function () {
        var i = miei.indexOf(c.dataset.id);
        if (i >= 0) miei.splice(i, 1); else miei.push(c.dataset.id);
        save(STORE_MIEI, miei);
        set();
        apply();
      });
    });

    form.addEventListener("change", function (ev) {
      if (ev.target === mio) {
        save(STORE_COMUNE, mio.checked ? comune.value : "");
      } else if (ev.target === comune) {
        mio.checked = !!comune.value && load(STORE_COMUNE, "") === comune.value;
      }
      apply();
    });
    form.addEventListener("submit", function (ev) { ev.preventDefault(); });
    apply();

    var sw = me || document.querySelector("script[data-sw]");
    if ("serviceWorker" in navigator && sw && sw.dataset && sw.dataset.sw) {
      navigator.serviceWorker.register(sw.dataset.sw).catch(function () { /* offline mode unavailable */ });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
