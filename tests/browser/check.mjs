// Browser checks of a built comune site, run by tests/quality.rs.
//
//   node check.mjs axe SITE_DIR PATH...        axe-core (WCAG 2.1 A + AA tags) on each page, at
//                                              desktop (1280x900) and mobile (390x844) widths
//   node check.mjs behaviour SITE_DIR          the feedback widget, the search and the
//                                              "load other cards" button, driven as a user would
//   node check.mjs contrasto SITE_DIR PATH...  every visible text in <main>: its colour against
//                                              the first opaque background behind it, as a person
//                                              sees it (WCAG: 4.5:1, 3:1 for large text)
//
// Serves SITE_DIR on 127.0.0.1 (a random port) with a minimal static server, drives Debian's
// Chromium (/usr/bin/chromium, or $CHROMIUM) through playwright-core, prints one JSON object on
// stdout and exits 1 when something fails.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { serve, launch } from "./serve.mjs";

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
async function axe(browser, base, pages) {
  const failures = [];
  let checked = 0;
  for (const viewport of [{ width: 1280, height: 900 }, { width: 390, height: 844 }]) {
    const ctx = await browser.newContext({ viewport });
    const page = await ctx.newPage();
    for (const p of pages) {
      await page.goto(base + p, { waitUntil: "load" });
      await page.addScriptTag({ content: AXE_SOURCE });
      const result = await page.evaluate(() =>
        window.axe.run(document, {
          runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
        }));
      checked++;
      for (const v of result.violations) {
        failures.push({
          page: p, width: viewport.width, rule: v.id, impact: v.impact, help: v.help,
          nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ") + " :: " + n.failureSummary),
        });
      }
    }
    await ctx.close();
  }
  return { checked, failures };
}

async function visible(page, selector) {
  return page.$eval(selector, (el) => {
    const r = el.getBoundingClientRect();
    return getComputedStyle(el).visibility !== "hidden" && r.width > 0 && r.height > 0;
  });
}

async function behaviour(browser, base) {
  const failures = [];
  let result_more = null;
  const expect = (ok, what) => { if (!ok) failures.push(what); };
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));

  // Feedback: 1-3 stars ask what went wrong, 4-5 what went well (as AGID's validator checks).
  await page.goto(base + "/", { waitUntil: "load" });
  for (const n of [1, 2, 3, 4, 5]) {
    await page.click(`[data-element="feedback-rate-${n}"]`);
    const pos = await visible(page, '[data-element="feedback-rating-positive"]');
    const neg = await visible(page, '[data-element="feedback-rating-negative"]');
    expect(n > 3 ? pos && !neg : neg && !pos, `feedback: after ${n} stars positive=${pos} negative=${neg}`);
  }
  await page.click('[data-element="feedback-rating-positive"] [data-element="feedback-rating-answer"]');
  await page.click('[data-azione="avanti"]');
  expect(await visible(page, '[data-element="feedback-input-text"]'), "feedback: step 2 shows the text field");
  await page.fill('[data-element="feedback-input-text"]', "Tutto chiaro");
  await page.click('[data-azione="avanti"]');
  expect(await visible(page, ".cmp-rating__card-second"), "feedback: the thank-you message appears");

  // The rating names the page it was given on (read from the address, not written in the page).
  const endpoint = await page.$eval("[data-civico-feedback]", (f) => f.getAttribute("data-endpoint"));
  if (endpoint) {
    let posted = null;
    const toService = (url) => url.href === endpoint || url.href.endsWith("/valutazioni");
    await page.route(toService, (route) => {
      posted = route.request().postDataJSON();
      return route.fulfill({ status: 201, contentType: "application/json", body: "{}" });
    });
    await page.goto(base + "/servizi/index.html", { waitUntil: "load" });
    await page.click('[data-element="feedback-rate-2"]');
    await page.click('[data-element="feedback-rating-negative"] [data-element="feedback-rating-answer"]');
    await page.click('[data-azione="avanti"]');
    await page.click('[data-azione="avanti"]');
    for (let i = 0; i < 50 && !posted; i++) await page.waitForTimeout(50);
    expect(posted && posted.pagina === "/servizi/" && posted.valutazione === 2,
      `feedback: the rating is sent for /servizi/ (sent ${JSON.stringify(posted)})`);
    await page.unroute(toService);
  }

  // Keyboard: the stars are reachable and selectable without a mouse.
  await page.goto(base + "/", { waitUntil: "load" });
  await page.focus("#stelle-5");
  await page.keyboard.press("ArrowRight");
  const chosen = await page.$eval('input[name="valutazione"]:checked', (i) => i.value).catch(() => null);
  expect(chosen !== null, "feedback: arrow keys select a rating");

  // Search modal: typing shows results from the index.
  await page.goto(base + "/", { waitUntil: "load" });
  await page.click('[data-element="search-modal-button"]');
  await page.waitForSelector("#search-modal.show", { timeout: 5000 });
  await page.fill("#search-modal-input", "carta identita");
  await page.waitForSelector("#search-modal [data-civico-risultati] li", { timeout: 5000 }).catch(() => {});
  const hits = await page.$$eval("#search-modal [data-civico-risultati] li", (l) => l.map((x) => x.textContent));
  expect(hits.some((h) => /identit/i.test(h)), `search modal: "carta identita" finds the service (got ${JSON.stringify(hits)})`);

  // Ricerca page: ?q= runs the search; a tipologia filter narrows it.
  await page.goto(base + "/ricerca/?q=comune", { waitUntil: "load" });
  await page.waitForSelector("[data-civico-risultati] li", { timeout: 5000 }).catch(() => {});
  const all = await page.$$eval("[data-civico-risultati] li", (l) => l.length);
  expect(all > 0, "ricerca: ?q=comune has results");
  await page.click('label[for="filtro-k-0"]');
  await page.waitForTimeout(100);
  const kinds = await page.$$eval("[data-civico-risultati] .category-top", (l) => l.map((x) => x.textContent));
  expect(kinds.length > 0 && kinds.every((k) => k === "Servizi"), `ricerca: filter Servizi keeps only services (got ${JSON.stringify(kinds)})`);

  // Servizi: the contextual search opens Ricerca with only services selected.
  await page.goto(base + "/servizi/", { waitUntil: "load" });
  await page.fill("#cerca-servizio", "residenza");
  await page.click('main form[role="search"] button[type="submit"]');
  await page.waitForSelector("[data-civico-risultati] li", { timeout: 5000 }).catch(() => {});
  const onlyServices = await page.$$eval("[data-civico-risultati] .category-top", (l) => l.map((x) => x.textContent));
  expect(onlyServices.length > 0 && onlyServices.every((k) => k === "Servizi"),
    `servizi: contextual search lists services (got ${JSON.stringify(onlyServices)})`);
  expect(await page.isChecked("#filtro-k-0"), "servizi: the Servizi filter is selected");

  // Eventi: the validator needs the load-other-cards button there; it must reveal hidden cards.
  await page.goto(base + "/vivere-il-comune/eventi/", { waitUntil: "load" });
  const button = await page.$('[data-element="load-other-cards"]');
  expect(button !== null, "eventi: load-other-cards button exists");
  const links = await page.$$eval('[data-element="event-link"]', (l) => l.length);
  expect(links > 0, "eventi: event-link cards exist");
  // With more events than a screen shows, the button is there to click and shows more of them
  // (AGID's validator clicks it to reach the events).
  const seen = () => page.$$eval('[data-element="event-link"]',
    (l) => l.filter((a) => a.getBoundingClientRect().height > 0).length);
  const before = await seen();
  if (links > before) {
    expect(await visible(page, '[data-element="load-other-cards"]'), `eventi: ${links} events, ${before} shown, the button is visible`);
    await page.click('[data-element="load-other-cards"]');
    const after = await seen();
    expect(after > before, `eventi: after a click ${after} events shown (were ${before})`);
  }
  result_more = { links, before };

  // No cookies at all (AGID C.SI.3.1; no consent banner needed).
  const cookies = await page.context().cookies();
  expect(cookies.length === 0, `no cookies (got ${JSON.stringify(cookies.map((c) => c.name))})`);

  expect(errors.length === 0, `no JavaScript errors (got ${JSON.stringify(errors)})`);
  await page.close();
  return { failures, eventi: result_more };
}

async function portale(browser, base) {
  const failures = [];
  const expect = (ok, what) => { if (!ok) failures.push(what); };
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(base + "/", { waitUntil: "load" });
  const visible = () => page.$$eval(".evento:not(.nascosto)", (l) => l.map((x) => x.dataset.comune + "|" + x.dataset.zona + "|" + x.dataset.categoria));
  const all = await visible();
  const comuni = [...new Set(all.map((x) => x.split("|")[0]))];
  expect(comuni.length === 3, `portale: events from three comuni (got ${JSON.stringify(comuni)})`);
  // The three filters stand side by side at the same height, their labels clear of the title.
  const tops = await page.$$eval("#filtro-comune, #filtro-zona, #filtro-categoria",
    (l) => l.map((x) => Math.round(x.getBoundingClientRect().top)));
  expect(new Set(tops).size === 1, `portale: the filters at one height (got ${JSON.stringify(tops)})`);
  // Filter by comune.
  await page.selectOption("#filtro-comune", "valfiorita");
  let v = await visible();
  expect(v.length > 0 && v.every((x) => x.startsWith("valfiorita|")), `portale: comune filter (got ${JSON.stringify(v)})`);
  // "Il mio Comune" is remembered across visits.
  await page.click('label[for="mio-comune"]');
  await page.reload({ waitUntil: "load" });
  expect(await page.inputValue("#filtro-comune") === "valfiorita", "portale: Il mio Comune remembered after reload");
  expect(await page.isChecked("#mio-comune"), "portale: Il mio Comune checkbox restored");
  await page.selectOption("#filtro-comune", "");
  // Zona and category.
  await page.selectOption("#filtro-zona", "Costa");
  v = await visible();
  expect(v.length > 0 && v.every((x) => x.split("|")[1] === "Costa"), `portale: zona filter (got ${JSON.stringify(v)})`);
  await page.selectOption("#filtro-zona", "");
  await page.selectOption("#filtro-categoria", "Mercatino");
  v = await visible();
  expect(v.length > 0 && v.every((x) => x.split("|")[2] === "Mercatino"), `portale: category filter (got ${JSON.stringify(v)})`);
  await page.selectOption("#filtro-categoria", "");
  // I miei eventi: save two, show only them, export as .ics.
  const buttons = await page.$$(".evento .salva");
  await buttons[0].click();
  await buttons[3].click();
  await page.click('label[for="solo-miei"]');
  v = await visible();
  expect(v.length === 2, `portale: only my events (got ${v.length})`);
  const href = await page.getAttribute("#esporta", "href");
  const ics = decodeURIComponent((href || "").split(",").slice(1).join(","));
  expect(ics.startsWith("BEGIN:VCALENDAR") && (ics.match(/BEGIN:VEVENT/g) || []).length === 2, `portale: .ics export with 2 events (got ${ics.slice(0, 80)})`);
  await page.reload({ waitUntil: "load" });
  const pressed = await page.$$eval('.salva[aria-pressed="true"]', (l) => l.length);
  expect(pressed === 2, `portale: saved events remembered (got ${pressed})`);
  // Offline: the service worker takes control and serves the page without the network.
  const sw = await page.evaluate(() => navigator.serviceWorker.ready.then(() => true, () => false));
  expect(sw, "portale: service worker registered");
  await page.reload({ waitUntil: "load" });
  await ctx.setOffline(true);
  const offline = await page.reload({ waitUntil: "load" }).then(() => page.$$eval(".evento", (l) => l.length), () => 0);
  expect(offline === all.length, `portale: works offline (got ${offline} cards)`);
  await ctx.setOffline(false);
  expect((await ctx.cookies()).length === 0, "portale: no cookies");
  expect(errors.length === 0, `portale: no JavaScript errors (got ${JSON.stringify(errors)})`);
  await ctx.close();
  return { failures };
}

// In the page: every visible text node of <main> with its colour, the colour of the first
// opaque background behind it and its size. Text over an image or a gradient is skipped (its
// background is not one colour).
function readTexts() {
  const rgba = (c) => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const [r, g, b, a = 1] = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return [r, g, b, a];
  };
  const over = (fg, bg) => fg.slice(0, 3).map((c, i) => c * fg[3] + bg[i] * (1 - fg[3]));
  const lum = ([r, g, b]) => {
    const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const out = [];
  const main = document.querySelector("main");
  if (!main) return out;
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.textContent.trim();
    const el = n.parentElement;
    if (!text || !el) continue;
    const style = getComputedStyle(el);
    const rect = el.getBoundingClientRect();
    if (style.visibility !== "visible" || rect.width <= 1 || rect.height <= 1 || el.closest("[hidden], [aria-hidden=true]")) continue;
    if (Number(style.opacity) === 0 || el.checkVisibility && !el.checkVisibility({ checkOpacity: true })) continue;
    const range = document.createRange();
    range.selectNodeContents(n);
    const box = range.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) continue;
    // The first opaque background, blending translucent ones on the way.
    let bg = null;
    const layers = [];
    let image = false;
    for (let a = el; a; a = a.parentElement) {
      const s = getComputedStyle(a);
      if (s.backgroundImage && s.backgroundImage !== "none") { image = true; break; }
      const c = rgba(s.backgroundColor);
      if (c && c[3] > 0) {
        layers.push(c);
        if (c[3] >= 1) { bg = c.slice(0, 3); break; }
      }
    }
    if (image) continue;
    bg = layers.reverse().reduce((acc, l) => over(l, acc), bg || [255, 255, 255]);
    const fg = over(rgba(style.color) || [0, 0, 0, 1], bg);
    const [l1, l2] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    const ratio = (l1 + 0.05) / (l2 + 0.05);
    const size = parseFloat(style.fontSize);
    const bold = Number(style.fontWeight) >= 700;
    const large = size >= 24 || (size >= 18.66 && bold);
    out.push({
      text: text.slice(0, 60), ratio: Math.round(ratio * 100) / 100, min: large ? 3 : 4.5,
      colour: style.color, background: `rgb(${bg.map(Math.round).join(", ")})`,
      where: el.tagName.toLowerCase() + (el.className ? "." + String(el.className).trim().split(/\s+/).join(".") : ""),
    });
  }
  return out;
}

async function contrasto(browser, base, pages) {
  const failures = [];
  let texts = 0;
  for (const viewport of [{ width: 1280, height: 900 }, { width: 390, height: 844 }]) {
    const page = await browser.newPage({ viewport });
    for (const p of pages) {
      await page.goto(base + p, { waitUntil: "load" });
      const found = await page.evaluate(readTexts);
      texts += found.length;
      for (const t of found.filter((t) => t.ratio < t.min)) {
        failures.push({ page: p, width: viewport.width, ...t });
      }
    }
    await page.close();
  }
  // Say what was looked at, so that a page with no text checked is noticed.
  return { texts, failures };
}

const [mode, dir, ...pages] = process.argv.slice(2);
const root = path.resolve(dir);
const server = await serve(root);
const base = `http://127.0.0.1:${server.address().port}`;
const browser = await launch();
let result;
try {
  result = mode === "axe" ? await axe(browser, base, pages)
    : mode === "contrasto" ? await contrasto(browser, base, pages)
    : mode === "portale" ? await portale(browser, base)
    : await behaviour(browser, base);
} catch (e) {
  result = { failures: [`${mode}: ${e.message.split("\n")[0]}`] };
} finally {
  await browser.close();
  server.close();
}
console.log(JSON.stringify(result, null, 1));
process.exit(result.failures.length ? 1 : 0);
