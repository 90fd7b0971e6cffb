// An istanza online in Chromium, end to end, run by tests/it/area_personale.rs:
//
//   node istanze.mjs SITE_DIR PORT SERVICE_URL SCHEDA_PATH CERT_PDF ISEE_PDF OPERATOR PASSWORD
//
// Serves the comune's built site on 127.0.0.1:PORT. The citizen opens the scheda servizio, follows
// "Accedi al servizio online" to the form in the area personale, logs in at the OpenID provider
// (the test chose who logs in) and comes back to the form; fills it (privacy consent, a radio
// group and the consent by keyboard, the condition that asks for the medical certificate, the
// file), sends it and reads the pratica number; finds it in the area personale. The operator logs
// into the back-office, protocols the pratica, examines it and asks for an integration; the
// citizen reads the request and answers with text and a file; the operator accepts; the citizen
// sees the pratica accepted. axe-core checks the form and the pratica's page. Prints one JSON
// object; exits 1 on failure.
import fs from "node:fs";
import { createRequire } from "node:module";
import { serve, launch } from "./serve.mjs";

const [site, port, service, scheda, cert, isee, operatore, password] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const AXE = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const failures = [];
const expect = (ok, what) => { if (!ok) failures.push(what); };
const server = await serve(site, Number(port));
const origin = `http://127.0.0.1:${port}`;
const browser = await launch();
const out = {};

async function axe(page, what) {
  await page.addScriptTag({ content: AXE });
  const r = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
  }));
  for (const v of r.violations) failures.push(`axe on ${what}: ${v.id} ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

// With CIVICO_SCREENSHOTS=DIR, full-page screenshots at phone width, to look at.
async function foto(page, nome) {
  const dir = process.env.CIVICO_SCREENSHOTS;
  if (!dir) return;
  const vp = page.viewportSize();
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `${dir}/${nome}.png`, fullPage: true });
  await page.setViewportSize(vp);
}

async function operatoreFa(page, numero, stato, campi = {}) {
  await page.goto(`${service}/operatori/valfiorita/pratiche/${numero}`);
  await page.selectOption("#nuovo-stato", stato);
  if (campi.protocollo) await page.fill("#protocollo", campi.protocollo);
  if (campi.messaggio) await page.fill("#messaggio", campi.messaggio);
  await Promise.all([page.waitForNavigation(), page.click("button:has-text('Aggiorna la pratica')")]);
  return page.$eval("dd[data-stato]", (d) => d.dataset.stato);
}

try {
  const cittadino = await browser.newContext({ bypassCSP: true });
  const page = await cittadino.newPage();
  await page.goto(`${origin}${scheda}`);
  const accesso = await page.$eval("[data-element=service-online-access]", (a) => a.href);
  expect(accesso.startsWith(`${service}/area-personale/valfiorita/istanze/`), `the scheda leads to the form (${accesso})`);
  await page.goto(accesso);
  expect((await page.textContent("main")).includes("posta elettronica certificata"), "without a session: how to apply otherwise");
  await Promise.all([page.waitForURL(/\/istanze\//), page.click("text=Entra con SPID o CIE")]);
  expect(page.url() === accesso, `after the login, back to the form (${page.url()})`);
  expect(await page.inputValue("#campo-codice_fiscale") !== "", "the codice fiscale comes from the identity");
  await axe(page, "the form");
  await foto(page, "modulo");

  // The form, partly by keyboard.
  await page.focus("#campo-privacy");
  await page.keyboard.press("Space");
  await page.fill("#campo-alunno_nome", "Luca Rossi");
  await page.fill("#campo-alunno_codice_fiscale", "RSSLCU15C41H501E");
  await page.focus("#campo-scuola-0");
  await page.keyboard.press("ArrowDown");
  await page.focus("#campo-dieta-0");
  await page.keyboard.press("ArrowDown");
  expect(await page.isChecked("#campo-dieta-1"), "arrow keys move through the radio group");
  // First without the certificate the condition asks for: the error is beside the field.
  await page.focus("#campo-dichiaro");
  await page.keyboard.press("Space");
  await Promise.all([page.waitForNavigation(), page.click("button:has-text('Vai al riepilogo')")]);
  expect((await page.textContent("#errori")).includes("Certificato medico"), "the missing certificate is named");
  await foto(page, "modulo-errori");
  expect(await page.isChecked("#campo-dieta-1"), "the choices are kept");
  await page.setInputFiles("#campo-certificato_medico", cert);
  await Promise.all([page.waitForNavigation(), page.click("button:has-text('Vai al riepilogo')")]);
  // The riepilogo, then the sending.
  expect(/\/riepilogo\?bozza=/.test(page.url()), `the riepilogo follows (${page.url()})`);
  const riepilogo = await page.textContent("dl.riepilogo");
  expect(riepilogo.includes("Luca Rossi") && riepilogo.includes("certificato.pdf"), "the riepilogo shows what was given");
  await foto(page, "riepilogo");
  await Promise.all([page.waitForNavigation(), page.click("button:has-text('Invia l\\'istanza')")]);
  const numero = (await page.textContent("[role=status] strong")).trim();
  expect(/^PR-[A-Z0-9]{4}-[A-Z0-9]{4}$/.test(numero), `a pratica number (${numero})`);
  out.numero = numero;
  await Promise.all([page.waitForNavigation(), page.click("text=area personale")]);
  expect(page.url().endsWith(`/pratiche/${numero}`), `the link leads to the pratica (${page.url()})`);
  await page.goto(`${service}/area-personale/valfiorita/`);
  expect((await page.textContent("main table")).includes(numero), "the pratica is listed in the area personale");
  await foto(page, "area-personale");
  // On a phone nothing scrolls sideways (the list of pratiche stacks its columns).
  await page.setViewportSize({ width: 390, height: 844 });
  const larga = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(larga <= 390, `the area personale fits a phone (${larga} px wide)`);
  await page.setViewportSize({ width: 1280, height: 720 });

  // The office protocols it, examines it and asks for an integration.
  const ufficio = await browser.newContext();
  const op = await ufficio.newPage();
  await op.goto(`${service}/operatori/valfiorita/accesso`);
  await op.fill("#utente", operatore);
  await op.fill("#password", password);
  await Promise.all([op.waitForNavigation(), op.click("button[type=submit]")]);
  out.stati = [];
  out.stati.push(await operatoreFa(op, numero, "protocollata", { protocollo: "2026/0099" }));
  out.stati.push(await operatoreFa(op, numero, "in_istruttoria"));
  out.stati.push(await operatoreFa(op, numero, "integrazione", { messaggio: "Allega l'attestazione ISEE." }));

  // The citizen answers from the pratica's page.
  await page.goto(`${service}/area-personale/valfiorita/pratiche/${numero}`);
  expect((await page.textContent(".storia")).includes("Allega l'attestazione ISEE."), "the request is in the history");
  await axe(page, "the pratica's page");
  await foto(page, "pratica-integrazione");
  await page.fill("#campo-testo", "Allego l'attestazione.");
  await page.setInputFiles("#campo-documenti", isee);
  await Promise.all([page.waitForNavigation(), page.click("button:has-text('Invia l\\'integrazione')")]);
  expect(await page.$eval("dd[data-stato]", (d) => d.dataset.stato) === "in_istruttoria", "back to the office");

  out.stati.push(await operatoreFa(op, numero, "accolta", { messaggio: "Iscrizione accolta." }));
  await foto(op, "operatore-pratica");
  await page.reload();
  out.finale = await page.$eval("dd[data-stato]", (d) => d.dataset.stato);
} catch (e) {
  failures.push(`exception: ${e.stack || e}`);
} finally {
  await browser.close();
  server.close();
}
out.failures = failures;
console.log(JSON.stringify(out));
process.exit(failures.length ? 1 : 0);
