// Smoke test of the web editor (Decap CMS at /admin/) in Chromium, run by tests/redazione.rs:
//   node admin.mjs SITE_DIR LABEL...
// Serves SITE_DIR, opens /admin/ (configured with Decap's test-repo backend), logs in and
// expects every LABEL among the collections. Prints one JSON object; exits 1 on failure.
import { serve, launch } from "./serve.mjs";

const [dir, ...labels] = process.argv.slice(2);
const server = await serve(dir);
const base = `http://127.0.0.1:${server.address().port}`;
const browser = await launch();
const failures = [];
const errors = [];
let seen = [];
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(base + "/admin/", { waitUntil: "load" });
  // test-repo: a login button, then the collections.
  const login = await page.waitForSelector("button", { timeout: 30000 }).catch(() => null);
  if (!login) failures.push("no login button: the CMS did not start");
  else await login.click();
  await page.waitForFunction((l) => document.body.innerText.includes(l), labels[0], { timeout: 30000 })
    .catch(() => failures.push(`"${labels[0]}" never appeared`));
  const text = await page.evaluate(() => document.body.innerText);
  if (/Error loading the CMS configuration|Config Errors/i.test(text)) failures.push("configuration errors: " + text.slice(0, 800));
  seen = labels.filter((l) => text.includes(l));
  for (const l of labels) if (!text.includes(l)) failures.push(`collection "${l}" missing`);
} finally {
  await browser.close();
  server.close();
}
console.log(JSON.stringify({ seen, failures, errors: errors.slice(0, 5) }, null, 1));
process.exit(failures.length ? 1 : 0);
