// The booking pages of a built comune site against a running `civico sportello`, in Chromium,
// run by tests/sportello.rs:
//
//   node prenota.mjs SITE_DIR PORT prenota SERVICE_PAGE_PATH
//   node prenota.mjs SITE_DIR PORT annulla TOKEN
//   node prenota.mjs SITE_DIR PORT assistenza -
//
// Serves SITE_DIR on 127.0.0.1:PORT (the origin the service allows). `prenota`: without
// JavaScript and with the service unreachable the page shows the offices' contacts; coming
// from a service page the office and reason are pre-selected; the citizen goes through the
// steps and gets the confirmation. `annulla`: the manage page opened with the token of the
// email cancels the appointment. `assistenza`: the richiesta di assistenza form offers the
// services of the chosen category and returns a code. Prints one JSON object; exits 1 on failure.
import { serve, launch } from "./serve.mjs";

const [site, port, phase, arg] = process.argv.slice(2);
const failures = [];
const expect = (ok, what) => { if (!ok) failures.push(what); };
const server = await serve(site, Number(port));
const origin = `http://127.0.0.1:${port}`;
const browser = await launch();
const out = { phase };
try {
  if (phase === "prenota") {
    // 1. No JavaScript: the contacts, no form.
    const nojs = await browser.newContext({ javaScriptEnabled: false });
    let page = await nojs.newPage();
    await page.goto(`${origin}/prenotazione-appuntamento/`);
    expect(await page.isVisible("[data-civico-fallback]"), "without JS the contacts are shown");
    expect(await page.isHidden("[data-civico-passi]"), "without JS no form");
    expect((await page.$$("[data-civico-fallback] a[href^='tel:']")).length >= 2, "phone links of the offices");
    await nojs.close();

    // 2. The service unreachable: the contacts stay, no broken form.
    const down = await browser.newContext();
    page = await down.newPage();
    await page.route(/\/api\/v1\//, (r) => r.abort());
    await page.goto(`${origin}/prenotazione-appuntamento/`);
    await page.waitForTimeout(1500);
    expect(await page.isVisible("[data-civico-fallback]"), "service down: the contacts are shown");
    expect(await page.isHidden("[data-civico-passi]"), "service down: no form");
    await down.close();

    // 3. From the service page: pre-selected office and reason, then the steps.
    const ctx = await browser.newContext();
    page = await ctx.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${origin}${arg}`);
    const link = await page.$eval("[data-element=service-booking-access]", (a) => a.getAttribute("href"));
    await page.goto(new URL(link, `${origin}${arg}`).href);
    await page.waitForSelector("[data-civico-passi]:not([hidden])", { timeout: 15000 });
    expect(await page.isHidden("[data-civico-fallback]"), "the contacts give way to the form");
    const offices = await page.$$eval("#office-choice option", (o) => o.map((x) => x.value).filter(Boolean));
    expect(offices.length === 1 && offices[0] === "anagrafe", `only the competent office (${offices})`);
    expect(await page.$eval("#office-choice", (s) => s.value) === "anagrafe", "office pre-selected");
    const officeClear = await page.evaluate(() => {
      const r = document.querySelector("label[for=office-choice]").getBoundingClientRect();
      const s = document.querySelector("section[data-passo='1'] h2").getBoundingClientRect();
      return r.top >= s.bottom;
    });
    expect(officeClear, "the office's label below the step's heading");
    await page.click("[data-civico-avanti]");
    await page.waitForSelector("input[name=slot]", { timeout: 15000 });
    // Labels stand clear of the step's heading (Bootstrap Italia lifts a select's label).
    const apart = (a, b) => page.evaluate(([a, b]) => {
      const r = document.querySelector(a).getBoundingClientRect(), s = document.querySelector(b).getBoundingClientRect();
      return r.bottom <= s.top || s.bottom <= r.top || r.right <= s.left || s.right <= r.left;
    }, [a, b]);
    expect(await apart("label[for=appointment]", "section[data-passo='2'] h2"), "the month's label clear of the heading");
    // Step 2 by keyboard only: the days with free times, then the times of the chosen day.
    const days = await page.$$eval("input[name='slot-giorno']", (i) => i.map((x) => x.value));
    out.days = days.length;
    expect(days.length >= 2, `the days with free times (${days.length})`);
    const focused = () => page.evaluate(() => ({ name: document.activeElement.name, value: document.activeElement.value }));
    await page.focus("#appointment");
    await page.keyboard.press("Tab");
    expect((await focused()).name === "slot-giorno", "Tab goes from the month to the days");
    await page.keyboard.press("ArrowDown");
    const day = await page.$eval("input[name='slot-giorno']:checked", (i) => i.value);
    expect(day === days[1], `the down arrow chooses the next day (${day})`);
    const legend = await page.textContent("[data-civico-slot] fieldset:nth-of-type(2) legend");
    expect(legend.includes(day.replace(/ \d{4}$/, "")), `the times are those of the chosen day (${legend})`);
    await page.keyboard.press("Tab");
    expect((await focused()).name === "slot", "Tab goes from the days to the times");
    await page.keyboard.press("Space");
    out.slot = await page.$eval("input[name=slot]:checked", (i) => i.value);
    const times = await page.$$eval("input[name=slot]", (i) => i.length);
    expect(times >= 1 && times < 40, `the times of one day only (${times})`);
    await page.waitForFunction(() => {
      const i = document.querySelector("input[name=altcha]");
      return i && i.value.length > 20;
    }, null, { timeout: 30000 });
    for (let i = 0; i < 12; i++) {
      if (await page.evaluate(() => document.activeElement.hasAttribute("data-civico-avanti"))) break;
      await page.keyboard.press("Tab");
    }
    expect(await page.evaluate(() => document.activeElement.hasAttribute("data-civico-avanti")), "Tab reaches Avanti");
    await page.screenshot({ path: process.env.CIVICO_SCREENSHOT || "/dev/null" }).catch(() => {});
    await page.keyboard.press("Enter");
    await page.waitForSelector("section[data-passo='3']:not([hidden])", { timeout: 15000 });
    const motivo = await page.$eval("#motivo-appuntamento", (s) => s.value);
    expect(motivo === "Richiesta carta d'identità elettronica", `reason pre-selected (${motivo})`);
    expect((await page.textContent("[data-civico-trattenuta]")).includes("Teniamo l'orario"), "the hold is announced");
    await page.fill("#form-details", "Rinnovo per scadenza");
    await page.click("[data-civico-avanti]");
    await page.waitForSelector("section[data-passo='4']:not([hidden])");
    // Missing fields are named.
    await page.click("[data-civico-avanti]");
    expect((await page.textContent("[data-civico-errore]")).includes("nome"), "missing fields are named");
    await page.fill("#name", "Maria");
    await page.fill("#surname", "Bianchi");
    await page.fill("#email", "maria.bianchi@example.it");
    // Bootstrap Italia draws the checkbox on its label: click where the box is.
    await page.click("label[for=privacy]", { position: { x: 4, y: 8 } });
    expect(await page.isChecked("#privacy"), "privacy acknowledged");
    await page.click("[data-civico-avanti]");
    await page.waitForSelector("section[data-passo='5']:not([hidden])");
    const summary = await page.textContent("[data-civico-riepilogo]");
    expect(summary.includes("Maria Bianchi") && summary.includes("maria.bianchi@example.it"), "the summary");
    await page.click("[data-civico-avanti]");
    await page.waitForSelector("[data-civico-conferma]:not([hidden])", { timeout: 15000 });
    out.codice = (await page.textContent("[data-civico-conferma] [data-campo=codice]")).trim();
    expect(/^AN-[A-Z0-9]{4}-[A-Z0-9]{4}$/.test(out.codice), `a booking code (${out.codice})`);
    expect((await page.getAttribute("[data-civico-ics]", "href")).startsWith("blob:"), "Aggiungi al calendario: .ics");
    expect((await page.getAttribute("[data-civico-google]", "href")).startsWith("https://calendar.google.com/"), "Google Calendar link");
    expect((await ctx.cookies()).length === 0, "no cookies");
    expect(errors.length === 0, `no script errors (${errors})`);
    await ctx.close();
  } else if (phase === "assistenza") {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${origin}/richiesta-assistenza/`);
    await page.waitForSelector("[data-civico-modulo]:not([hidden])", { timeout: 15000 });
    expect(await page.isHidden("[data-civico-fallback]"), "the contacts give way to the form");
    const cats = await page.$$eval("#category option", (o) => o.map((x) => x.value).filter(Boolean));
    expect(cats.length === 16 && cats.includes("Relazioni con il pubblico"), `16 categories (${cats.length})`);
    await page.fill("#name", "Luca");
    await page.fill("#surname", "Verdi");
    await page.fill("#email", "luca.verdi@example.it");
    await page.selectOption("#category", "Anagrafe e stato civile");
    const services = await page.$$eval("#service option", (o) => o.map((x) => x.value).filter(Boolean));
    expect(services.includes("Carta d'identità elettronica") && !services.includes("IMU"), `services of the category (${services})`);
    await page.selectOption("#service", "Carta d'identità elettronica");
    await page.fill("#description", "Come rinnovo la carta se sono all'estero?");
    await page.click("label[for=privacy]", { position: { x: 4, y: 8 } });
    await page.waitForFunction(() => {
      const i = document.querySelector("input[name=altcha]");
      return i && i.value.length > 20;
    }, null, { timeout: 30000 });
    await page.click("[data-civico-invia]");
    await page.waitForSelector("[data-civico-inviata]:not([hidden])", { timeout: 15000 });
    out.codice = (await page.textContent("[data-civico-inviata] [data-campo=codice]")).trim();
    expect(/^AS-[A-Z0-9]{4}-[A-Z0-9]{4}$/.test(out.codice), `a request code (${out.codice})`);
    expect((await ctx.cookies()).length === 0, "no cookies");
    expect(errors.length === 0, `no script errors (${errors})`);
    await ctx.close();
  } else {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    page.on("dialog", (d) => d.accept());
    await page.goto(`${origin}/prenotazione-appuntamento/gestisci/#t=${arg}`);
    await page.waitForSelector("[data-civico-dettaglio]:not([hidden])", { timeout: 15000 });
    out.codice = (await page.textContent("[data-civico-dettaglio] [data-campo=codice]")).trim();
    await page.click("[data-civico-annulla]");
    await page.waitForFunction(() => document.querySelector("[data-civico-stato]").textContent.includes("annullato"), null, { timeout: 15000 });
    out.stato = (await page.textContent("[data-civico-dettaglio] [data-campo=stato]")).trim();
    expect(out.stato === "Annullato", `shown as cancelled (${out.stato})`);
    expect(await page.isHidden("[data-civico-azioni]"), "no more actions");
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
