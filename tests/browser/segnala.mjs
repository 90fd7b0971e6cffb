// The segnalazione pages of a built comune site and the operators' back-office, against a
// running `civico sportello`, in Chromium; run by tests/segnalazioni.rs:
//
//   node segnala.mjs SITE_DIR PORT segnala PHOTO
//   node segnala.mjs SITE_DIR PORT segui TOKEN
//   node segnala.mjs SITE_DIR PORT operatore SERVICE_URL CODICE PASSWORD
//   node segnala.mjs SITE_DIR PORT elenco -
//
// Serves SITE_DIR on 127.0.0.1:PORT (the origin the service allows). Map tiles are answered
// by the script itself (a 1-pixel PNG) and counted: none may be fetched before the citizen
// opens a map. Prints one JSON object; exits 1 on failure.
import { serve, launch } from "./serve.mjs";

const [site, port, phase, arg, arg2, arg3] = process.argv.slice(2);
const failures = [];
const expect = (ok, what) => { if (!ok) failures.push(what); };
const server = await serve(site, Number(port));
const origin = `http://127.0.0.1:${port}`;
const browser = await launch();
const out = { phase };
const PIXEL = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=", "base64");

/** A page whose tile requests are answered locally and counted in `tiles.n`. */
async function pagina(ctx, tiles) {
  const page = await ctx.newPage();
  await page.route(/tile\.openstreetmap\.org/, (r) => { tiles.n++; r.fulfill({ body: PIXEL, contentType: "image/png" }); });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  return { page, errors };
}

/** Bootstrap Italia draws the checkbox on its label: click where the box is. */
const spunta = (page, id) => page.click(`label[for=${id}]`, { position: { x: 4, y: 8 } });

try {
  if (phase === "segnala") {
    // Without JavaScript, and with the service unreachable: how to report by email.
    const nojs = await browser.newContext({ javaScriptEnabled: false });
    let page = await nojs.newPage();
    await page.goto(`${origin}/segnalazione-disservizio/`);
    expect(await page.isVisible("[data-civico-fallback]"), "without JS the email and phone are shown");
    expect(await page.isHidden("[data-civico-passi]"), "without JS no form");
    expect((await page.$$("[data-civico-fallback] a[href^='mailto:']")).length === 1, "a mailto link");
    await nojs.close();
    const down = await browser.newContext();
    page = await down.newPage();
    await page.route(/\/api\/v1\//, (r) => r.abort());
    await page.goto(`${origin}/segnalazione-disservizio/`);
    await page.waitForTimeout(1500);
    expect(await page.isVisible("[data-civico-fallback]") && await page.isHidden("[data-civico-passi]"), "service down: the contacts stay");
    await down.close();

    // The steps.
    const ctx = await browser.newContext({ geolocation: { latitude: 44.20471, longitude: 10.33912 }, permissions: ["geolocation"] });
    const tiles = { n: 0 };
    let errors;
    ({ page, errors } = await pagina(ctx, tiles));
    await page.goto(`${origin}/segnalazione-disservizio/`);
    await page.waitForSelector("[data-civico-passi]:not([hidden])", { timeout: 15000 });
    expect(await page.isHidden("[data-civico-fallback]"), "the contacts give way to the form");
    expect((await page.getAttribute(".civico-passi li[data-indice='1']", "aria-current")) === "step", "step 1 current");
    await page.click("[data-civico-avanti]");
    expect((await page.textContent("[data-civico-errore]")).includes("informativa"), "the informativa must be acknowledged");
    await spunta(page, "privacy");
    await page.click("[data-civico-avanti]");
    await page.waitForSelector("section[data-passo='2']:not([hidden])");
    // Missing fields are named.
    await page.click("[data-civico-avanti]");
    const manca = await page.textContent("[data-civico-errore]");
    expect(manca.includes("luogo") && manca.includes("tipo di disservizio") && manca.includes("email"), `missing fields named (${manca})`);
    // The device's position, then a point on the map; no tile before the map is opened.
    await page.click("[data-civico-posizione]");
    await page.waitForFunction(() => document.querySelector("[data-civico-punto]").textContent.includes("Punto indicato"), null, { timeout: 10000 });
    out.posizione = await page.textContent("[data-civico-punto]");
    expect(out.posizione.includes("44.20471"), `the device's position (${out.posizione})`);
    out.tessere_prima = tiles.n;
    expect(tiles.n === 0, `no map tile before the map is opened (${tiles.n})`);
    await page.click("[data-civico-apri-mappa]");
    await page.waitForSelector("#mappa-segnalazione .leaflet-tile-loaded", { timeout: 15000 });
    out.tessere_dopo = tiles.n;
    expect(tiles.n > 0, "tiles once the map is opened");
    await page.click("#mappa-segnalazione", { position: { x: 120, y: 90 } });
    const punto = await page.textContent("[data-civico-punto]");
    expect(punto.includes("sulla mappa"), `a point chosen on the map (${punto})`);
    await page.fill("#luogo", "Via Roma 12");
    await page.selectOption("#inefficiency", "Strade e marciapiedi");
    await page.fill("#title", "Buca in via Roma");
    await page.fill("#details", "Una buca profonda davanti al numero 12");
    expect((await page.textContent("[data-civico-contatore]")) === String(200 - 38), "the character counter");
    await page.setInputFiles("#allegati", arg);
    expect((await page.textContent("[data-civico-file]")).includes("foto-gps.jpg"), "the chosen file is listed");
    await page.fill("#name", "Maria");
    await page.fill("#surname", "Bianchi");
    await page.fill("#email", "maria.bianchi@example.it");
    await page.fill("#phone", "+39 333 1234567");
    await page.waitForFunction(() => {
      const i = document.querySelector("input[name=altcha]");
      return i && i.value.length > 20;
    }, null, { timeout: 30000 });
    await page.click("[data-civico-avanti]");
    await page.waitForSelector("section[data-passo='3']:not([hidden])");
    const riepilogo = await page.textContent("[data-civico-riepilogo]");
    expect(["Via Roma 12", "punto 44.", "Strade e marciapiedi", "foto-gps.jpg", "Maria Bianchi", "maria.bianchi@example.it"].every((x) => riepilogo.includes(x)), `the summary (${riepilogo})`);
    expect((await page.textContent("[data-civico-avanti]")).includes("Invia"), "the last button sends");
    await page.click("[data-civico-avanti]");
    await page.waitForSelector("[data-civico-conferma]:not([hidden])", { timeout: 30000 });
    out.codice = (await page.textContent("[data-civico-conferma] [data-campo=codice]")).trim();
    expect(/^SE-[A-Z0-9]{4}-[A-Z0-9]{4}$/.test(out.codice), `a code (${out.codice})`);
    expect((await page.textContent("[data-civico-conferma] [data-campo=email]")).trim() === "maria.bianchi@example.it", "the email of the summary");
    expect((await page.textContent("[data-civico-conferma] [data-campo=entro]")).trim().length > 8, "the expected date");
    expect((await ctx.cookies()).length === 0, "no cookies");
    expect(errors.length === 0, `no script errors (${errors})`);
    await ctx.close();
  } else if (phase === "segui") {
    const ctx = await browser.newContext();
    const { page, errors } = await pagina(ctx, { n: 0 });
    await page.goto(`${origin}/segnalazione-disservizio/segui/#t=${arg}`);
    await page.waitForSelector("[data-civico-dettaglio]:not([hidden])", { timeout: 15000 });
    out.codice = (await page.textContent("[data-civico-dettaglio] [data-campo=codice]")).trim();
    out.stato = (await page.textContent("[data-campo=stato_etichetta]")).trim();
    out.file = (await page.textContent("[data-campo=file]")).trim();
    out.storia = await page.$$eval("[data-civico-storia] li", (l) => l.map((x) => x.textContent));
    expect(errors.length === 0, `no script errors (${errors})`);
    // A wrong token says so.
    await page.goto(`${origin}/segnalazione-disservizio/segui/#t=${"A".repeat(32)}`);
    await page.reload();
    await page.waitForSelector("[data-civico-errore]:not([hidden])", { timeout: 15000 });
    expect((await page.textContent("[data-civico-errore]")).includes("inesistente"), "an unknown token is reported");
    await ctx.close();
  } else if (phase === "operatore") {
    // The back-office, on the service's own origin.
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    const base = `${arg}/operatori/valfiorita/`;
    await page.goto(`${base}segnalazioni`);
    expect(page.url().endsWith("/accesso"), "a login first");
    await page.fill("#utente", "anna");
    await page.fill("#password", arg3);
    await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
    await page.goto(`${base}segnalazioni`);
    await Promise.all([page.waitForNavigation(), page.click(`a:text("${arg2}")`)]);
    const foto = await page.$eval("figure img", (i) => i.complete && i.naturalWidth);
    expect(foto > 0, "the photo is shown");
    out.azioni = [];
    for (const [stato, messaggio] of [["presa_in_carico", "Abbiamo mandato una squadra"], ["in_lavorazione", ""], ["risolta", "Buca chiusa"]]) {
      await page.selectOption("#nuovo-stato", stato);
      await page.fill("#messaggio", messaggio);
      await Promise.all([page.waitForNavigation(), page.click("button:text('Aggiorna lo stato')")]);
      out.azioni.push(await page.getAttribute("dd[data-stato]", "data-stato"));
      if (stato === "presa_in_carico") {
        await Promise.all([page.waitForNavigation(), page.click("button:text('Pubblica nell\\'elenco')")]);
      }
    }
    out.registro = await page.$$eval("table tbody tr", (r) => r.length);
    expect(JSON.stringify(out.azioni) === JSON.stringify(["presa_in_carico", "in_lavorazione", "risolta"]), `states (${out.azioni})`);
    await ctx.close();
  } else if (phase === "elenco") {
    const ctx = await browser.newContext();
    const tiles = { n: 0 };
    const { page, errors } = await pagina(ctx, tiles);
    await page.goto(`${origin}/segnalazione-disservizio/elenco/`);
    await page.waitForSelector("[data-civico-elenco]:not([hidden])", { timeout: 15000 });
    out.risolte = (await page.textContent("[data-civico-risolte]")).trim();
    out.voci = await page.$$eval("[data-civico-lista] li", (l) => l.map((x) => x.textContent.replace(/\s+/g, " ").trim()));
    expect(tiles.n === 0, "no tiles for the list view");
    await page.selectOption("#filtro-categoria", "Rifiuti e pulizia");
    expect((await page.$$("[data-civico-lista] li")).length === 0, "the filter hides other types");
    await page.selectOption("#filtro-categoria", "");
    await page.click("[data-civico-vista=mappa]");
    await page.waitForSelector("#mappa-elenco path.leaflet-interactive", { timeout: 15000 });
    out.cerchi = (await page.$$("#mappa-elenco path.leaflet-interactive")).length;
    expect(tiles.n > 0, "tiles once the map view is chosen");
    expect(errors.length === 0, `no script errors (${errors})`);
    await ctx.close();
  }
} catch (e) {
  failures.push(String(e && e.stack || e));
} finally {
  await browser.close();
  server.close();
}
out.failures = failures;
console.log(JSON.stringify(out));
process.exit(failures.length ? 1 : 0);
