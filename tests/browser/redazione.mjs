// The web editor used as an editor uses it, run by tests/it/redazione.rs:
//   node redazione.mjs ADMIN_URL SPEC_JSON
// ADMIN_URL is a comune's /admin/ in `civico serve`, whose local backend saves into the working
// copy. SPEC is a list of {collection, fields: [{label, type, value}]}: for each, the script
// opens a new entry, fills only those fields (text, select, date, datetime, number, markdown)
// by their visible label, publishes it and waits until the editor says it is saved. Prints one
// JSON object; exits 1 on failure.
import { launch } from "./serve.mjs";

const [admin, specText] = process.argv.slice(2);
const spec = JSON.parse(specText);
const browser = await launch();
const failures = [];
const errors = [];
const saved = [];

/** The control of the field whose label reads `label`, marked so that it can be addressed. */
async function control(page, label, n) {
  const mark = `f${n}`;
  const found = await page.evaluate(([label, mark]) => {
    const l = [...document.querySelectorAll("label")].find((l) => l.textContent.trim() === label);
    if (!l) return false;
    const id = l.getAttribute("for");
    let el = id && document.getElementById(id);
    if (!el || el.tagName === "DIV") {
      // Markdown: the editable area of the same field.
      let box = l.parentElement;
      while (box && !box.querySelector("[contenteditable=true]")) box = box.parentElement;
      el = box && box.querySelector("[contenteditable=true]");
    }
    if (!el) return false;
    el.setAttribute("data-civico-test", mark);
    return true;
  }, [label, mark]);
  if (!found) throw new Error(`no field labelled "${label}"`);
  return `[data-civico-test="${mark}"]`;
}

async function fill(page, f, n) {
  const sel = await control(page, f.label, n);
  if (f.type === "select") {
    await page.click(sel);
    await page.keyboard.type(f.value);
    await page.waitForSelector(`[class*="option"]:has-text("${f.value}")`, { timeout: 10000 });
    await page.keyboard.press("Enter");
    await page.keyboard.press("Escape");
  } else if (f.type === "markdown") {
    await page.click(sel);
    await page.keyboard.type(f.value);
  } else {
    await page.fill(sel, f.value);
  }
}

try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(admin, { waitUntil: "load" });
  // The local backend asks for no account: one click on "Accedi".
  await (await page.waitForSelector("button", { timeout: 30000 })).click();
  await page.waitForSelector("text=Notizie", { timeout: 30000 });
  for (const entry of spec) {
    try {
      await page.goto(`${admin}#/collections/${entry.collection}/new`);
      await page.waitForSelector("label", { timeout: 20000 });
      let n = 0;
      for (const f of entry.fields) await fill(page, f, n++);
      await page.getByText("Pubblica", { exact: true }).first().click();
      await page.getByText("Pubblica ora", { exact: true }).click();
      // Saved: the editor moves to the entry's own address.
      await page.waitForURL((u) => !u.hash.endsWith("/new"), { timeout: 20000 });
      saved.push(entry.collection);
    } catch (e) {
      const text = await page.evaluate(() => document.body.innerText).catch(() => "");
      failures.push(`${entry.collection}: ${e.message.split("\n")[0]}; on screen: ${text.slice(0, 400)}`);
      await page.screenshot({ path: `/tmp/civico-redazione-${entry.collection}.png` }).catch(() => {});
    }
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify({ saved, failures, errors: errors.slice(0, 5) }));
process.exit(failures.length ? 1 : 0);
