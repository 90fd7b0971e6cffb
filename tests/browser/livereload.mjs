// The live-reload script of `civico serve` in Chromium, run by tests/serve.rs:
//
//   node livereload.mjs PAGE_URL CONTENT_FILE
//
// Opens PAGE_URL (a page served by `civico serve`), breaks CONTENT_FILE (an impossible date
// on its `data:` line) and expects the error overlay with file:line:col; restores the file and
// with a new title and expects the overlay gone and the page reloaded with the new title. Prints one JSON object; exits 1 on failure.
import fs from "node:fs";
import { launch } from "./serve.mjs";

const [url, file] = process.argv.slice(2);
const failures = [];
const expect = (ok, what) => { if (!ok) failures.push(what); };
const original = fs.readFileSync(file, "utf8");
const browser = await launch();
try {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(url, { waitUntil: "load" });
  // The script is connected once it has received the current state.
  await page.waitForSelector("html[data-civico-anteprima=connessa]", { timeout: 15000 });
  await page.evaluate(() => { window.__primaDelRicaricamento = true; });

  fs.writeFileSync(file, original.replace(/^data: .*$/m, "data: 2026-13-45"));
  const overlay = await page.waitForSelector("#civico-errori", { timeout: 20000 }).catch(() => null);
  expect(overlay !== null, "the error overlay appears");
  let where = "";
  if (overlay) {
    where = await page.$eval("#civico-errori .civico-errore-posizione", (e) => e.textContent);
    const name = file.split("/").slice(-2).join("/");
    expect(where.includes(name), `the overlay names the file (${where})`);
    expect(/:\d+:\d+$/.test(where), `the overlay gives line and column (${where})`);
    expect(await page.$eval("#civico-errori", (e) => e.getAttribute("role")) === "alertdialog",
      "the overlay is announced to screen readers");
  }
  const stillOld = await page.evaluate(() => window.__primaDelRicaricamento === true);
  expect(stillOld, "the page is not reloaded while there are errors");

  // The fix also changes the title, so the page must reload with it.
  fs.writeFileSync(file, original.replace(/^titolo: .*$/m, 'titolo: "Titolo corretto in anteprima"'));
  const gone = await page.waitForFunction(
    () => !document.getElementById("civico-errori") && window.__primaDelRicaricamento !== true,
    null, { timeout: 20000 }).then(() => true).catch(() => false);
  expect(gone, "fixing the file removes the overlay and reloads the page");
  const h1 = await page.$eval("h1", (e) => e.textContent.trim()).catch(() => "");
  expect(h1 === "Titolo corretto in anteprima", `the reloaded page shows the fix (${h1})`);
  expect(errors.length === 0, `no JavaScript errors: ${errors.join("; ")}`);
  console.log(JSON.stringify({ where, failures }, null, 1));
} finally {
  fs.writeFileSync(file, original);
  await browser.close();
}
process.exit(failures.length ? 1 : 0);
