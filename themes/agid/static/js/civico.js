/*
 * civico: the behaviour of the AGID theme that Bootstrap Italia does not provide.
 * - feedback widget ("Quanto sono chiare le informazioni su questa pagina?")
 * - search in the modal and on the Ricerca page, over /ricerca/indice.json
 * - "Carica altri" buttons on long lists (data-element="load-other-cards")
 * No cookies, no storage, no third parties. Every feature is progressive: without JavaScript the
 * lists show every card and the search form leads to the Ricerca page.
 */
(function () {
  "use strict";

  /* ---------- feedback widget ---------- */

  /* The page's path within the site, as the build names it ("/servizi/"): every page carries the
     same widget, so the path is read from the address rather than written into each page. */
  function pagePath(base) {
    var path = location.pathname.replace(/index\.html$/, "");
    try { path = decodeURI(path); } catch (e) { /* keep it encoded */ }
    return base && path.indexOf(base + "/") === 0 ? path.slice(base.length) : path;
  }

  function initFeedback(form) {
    var first = form.querySelector(".cmp-rating__card-first");
    var thanks = form.querySelector(".cmp-rating__card-second");
    var steps = form.querySelector(".form-rating");
    var step1 = form.querySelector('[data-step="1"]');
    var step2 = form.querySelector('[data-step="2"]');
    var positive = form.querySelector('[data-element="feedback-rating-positive"]');
    var negative = form.querySelector('[data-element="feedback-rating-negative"]');
    var back = form.querySelector('[data-azione="indietro"]');
    var step = 0;
    var rating = 0;

    function show(el, visible) {
      el.classList.toggle("d-none", !visible);
    }

    function onRate(value) {
      rating = value;
      step = 1;
      show(steps, true);
      show(step1, true);
      show(step2, false);
      // 1-3 stars: what went wrong; 4-5: what went well.
      show(positive, rating > 3);
      show(negative, rating <= 3);
      // An answer given for the other group no longer applies.
      (rating > 3 ? negative : positive).querySelectorAll("input").forEach(function (i) {
        i.checked = false;
      });
    }

    form.querySelectorAll('input[name="valutazione"]').forEach(function (input) {
      input.addEventListener("change", function () {
        onRate(parseInt(input.value, 10));
      });
    });

    back.addEventListener("click", function () {
      if (step === 2) {
        step = 1;
        show(step1, true);
        show(step2, false);
      } else {
        step = 0;
        show(steps, false);
      }
    });

    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (step === 1) {
        step = 2;
        show(step1, false);
        show(step2, true);
        var field = step2.querySelector("input");
        if (field) field.focus();
        return;
      }
      var chosen = form.querySelector(
        (rating > 3 ? '[data-element="feedback-rating-positive"]' : '[data-element="feedback-rating-negative"]') +
          " input:checked"
      );
      var detail = form.querySelector('[data-element="feedback-input-text"]');
      var payload = {
        pagina: pagePath(form.getAttribute("data-base") || ""),
        valutazione: rating,
        risposta: chosen ? chosen.value : null,
        dettaglio: detail ? detail.value.slice(0, 200) : ""
      };
      var endpoint = form.getAttribute("data-endpoint");
      if (endpoint && window.fetch) {
        fetch(endpoint, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(payload),
          credentials: "omit",
          keepalive: true
        }).catch(function () { /* a lost rating must not disturb the reader */ });
      }
      show(steps, false);
      show(first, false);
      show(thanks, true);
    });
  }

  /* ---------- search ---------- */

  // Lower case, no accents, no punctuation: "Perché l'IMU?" -> "perche l imu".
  function normalise(s) {
    return (s || "")
      .toLowerCase()
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/[^a-z0-9]+/g, " ")
      .trim();
  }

  // A light Italian stemmer: drops the common plural/gender endings so that "servizi",
  // "servizio" and "carta d'identita" / "carte" meet.
  function stem(w) {
    if (w.length <= 4) return w;
    return w.replace(/(zioni|zione|mente|ita|i|e|a|o)$/, "");
  }

  var STOP = { di: 1, a: 1, da: 1, in: 1, con: 1, su: 1, per: 1, tra: 1, fra: 1, il: 1, lo: 1, la: 1,
    i: 1, gli: 1, le: 1, un: 1, una: 1, uno: 1, e: 1, o: 1, del: 1, della: 1, dei: 1, delle: 1,
    al: 1, alla: 1, ai: 1, alle: 1, nel: 1, nella: 1, l: 1, d: 1 };

  function terms(q) {
    return normalise(q)
      .split(" ")
      .filter(function (w) { return w && !STOP[w]; })
      .map(stem);
  }

  var indexes = {};
  function loadIndex(url) {
    if (!indexes[url]) {
      indexes[url] = fetch(url, { credentials: "omit" })
        .then(function (r) {
          if (!r.ok) throw new Error(r.status);
          return r.json();
        })
        .then(function (idx) {
          idx.voci.forEach(function (v) {
            v._t = normalise(v.t);
            v._d = normalise(v.d);
          });
          return idx;
        });
    }
    return indexes[url];
  }

  // Score: every term must match a word start in the title or description; title counts more.
  function search(idx, q, filters) {
    var ts = terms(q);
    if (!ts.length) return [];
    var out = [];
    idx.voci.forEach(function (v) {
      if (filters.k.length && filters.k.indexOf(v.k) < 0) return;
      if (filters.a.length && !(v.a || []).some(function (a) { return filters.a.indexOf(a) >= 0; })) return;
      var score = 0;
      for (var i = 0; i < ts.length; i++) {
        var re = new RegExp("(^| )" + ts[i]);
        if (re.test(v._t)) score += 3;
        else if (re.test(v._d)) score += 1;
        else return;
      }
      out.push({ v: v, s: score });
    });
    out.sort(function (x, y) { return y.s - x.s || x.v.t.localeCompare(y.v.t, "it"); });
    return out.map(function (r) { return r.v; });
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }

  function checked(form, name) {
    return Array.prototype.map.call(
      form.querySelectorAll('[data-civico-filtro="' + name + '"] input:checked'),
      function (i) { return parseInt(i.value, 10); }
    );
  }

  function buildFilters(form, idx) {
    [["k", idx.tipologie], ["a", idx.argomenti]].forEach(function (pair) {
      var box = form.querySelector('[data-civico-filtro="' + pair[0] + '"]');
      if (!box) return;
      pair[1].forEach(function (label, i) {
        var div = el("div", "form-check");
        var input = el("input");
        input.type = "checkbox";
        input.id = "filtro-" + pair[0] + "-" + i;
        input.value = String(i);
        input.name = pair[0];
        var lab = el("label", null, label);
        lab.htmlFor = input.id;
        div.appendChild(input);
        div.appendChild(lab);
        box.appendChild(div);
      });
    });
  }

  function initSearch(form) {
    var url = form.getAttribute("data-civico-ricerca");
    var field = form.querySelector("[data-civico-campo]");
    var list = form.querySelector("[data-civico-risultati]");
    var status = form.querySelector("[data-civico-stato]");
    var isPage = form.hasAttribute("data-civico-pagina");
    var max = isPage ? 200 : 8;

    function render(idx) {
      var q = field.value;
      var filters = { k: checked(form, "k"), a: checked(form, "a") };
      var found = search(idx, q, filters);
      list.textContent = "";
      found.slice(0, max).forEach(function (v) {
        var li = el("li", isPage ? "mb-3" : null);
        if (isPage) {
          var card = el("div", "card card-teaser shadow-sm rounded");
          var body = el("div", "card-body");
          body.appendChild(el("span", "category-top", idx.tipologie[v.k]));
          var h = el("h2", "card-title h5");
          var a = el("a", null, v.t);
          a.href = v.u;
          h.appendChild(a);
          body.appendChild(h);
          if (v.d) body.appendChild(el("p", "card-text", v.d));
          card.appendChild(body);
          li.appendChild(card);
        } else {
          var link = el("a", "list-item");
          link.href = v.u;
          link.appendChild(el("span", null, v.t));
          link.appendChild(el("small", "d-block text-muted", idx.tipologie[v.k]));
          li.appendChild(link);
        }
        list.appendChild(li);
      });
      if (!terms(q).length) {
        status.textContent = isPage ? "Scrivi una o più parole per cercare tra i contenuti del sito." : "";
      } else if (!found.length) {
        status.textContent = "Nessun risultato per \u201c" + q + "\u201d.";
      } else {
        status.textContent = found.length === 1 ? "1 risultato" : found.length + " risultati";
      }
      if (isPage) status.classList.remove("visually-hidden");
    }

    function run() {
      loadIndex(url)
        .then(function (idx) {
          if (!form.querySelector("[data-civico-filtro] input")) {
            buildFilters(form, idx);
            // ?tipo=Servizi (from the Servizi page) starts with that tipologia selected.
            var tipo = isPage && new URLSearchParams(window.location.search).get("tipo");
            var k = tipo ? idx.tipologie.indexOf(tipo) : -1;
            var box = k >= 0 && form.querySelector("#filtro-k-" + k);
            if (box) box.checked = true;
          }
          render(idx);
        })
        .catch(function () {
          status.textContent = "La ricerca non è disponibile in questo momento.";
        });
    }

    field.addEventListener("input", run);
    form.addEventListener("change", function (ev) {
      if (ev.target !== field) run();
    });
    if (isPage) {
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        run();
      });
      var q = new URLSearchParams(window.location.search).get("q");
      if (q) field.value = q;
      run();
    }
  }

  /* ---------- "Carica altri" ---------- */

  function initLoadMore(button) {
    // One or more lists (upcoming events, then past ones), revealed in order.
    var lists = (button.getAttribute("aria-controls") || "").split(/\s+/)
      .map(function (id) { return document.getElementById(id); })
      .filter(function (l) { return l; });
    if (!lists.length) return;
    var step = parseInt(button.getAttribute("data-passo") || "6", 10);
    var cards = [];
    lists.forEach(function (l) { cards = cards.concat(Array.prototype.slice.call(l.children)); });
    var shown = Math.min(step, cards.length);
    function update() {
      cards.forEach(function (c, i) { c.classList.toggle("d-none", i >= shown); });
      button.hidden = shown >= cards.length;
      // A list's section (its heading) shows once one of its cards does.
      lists.forEach(function (l) {
        var box = l.closest("[data-civico-gruppo]");
        if (box) box.hidden = !Array.prototype.some.call(l.children, function (c) { return !c.classList.contains("d-none"); });
      });
    }
    button.addEventListener("click", function () {
      var first = cards[shown];
      shown = Math.min(shown + step, cards.length);
      update();
      var link = first && first.querySelector("a");
      if (link) link.focus();
    });
    update();
  }

  function ready() {
    document.querySelectorAll("[data-civico-feedback]").forEach(initFeedback);
    document.querySelectorAll("[data-civico-ricerca]").forEach(initSearch);
    document.querySelectorAll('[data-element="load-other-cards"]').forEach(initLoadMore);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
