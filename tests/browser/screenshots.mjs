// Screenshots of an example comune for the README: home page and a service page, at desktop
// (1280x900) and mobile (390x844) widths.
//   node tests/browser/screenshots.mjs SITE_DIR OUT_DIR SERVICE_PATH
import path from "node:path";
import fs from "node:fs";
import { serve, launch } from "./serve.mjs";

const [dir, out, service] = process.argv.slice(2);
fs.mkdirSync(out, { recursive: true });
const server = await serve(path.resolve(dir));
const base = `http://127.0.0.1:${server.address().port}`;
const browser = await launch();
try {
  for (const [name, viewport] of [["desktop", { width: 1280, height: 900 }], ["mobile", { width: 390, height: 844 }]]) {
    const page = await browser.newPage({ viewport, deviceScaleFactor: 1 });
    for (const [what, p] of [["home", "/"], ["servizio", service]]) {
      await page.goto(base + p, { waitUntil: "load" });
      await page.evaluate(() => document.fonts.ready);
      const file = path.join(out, `${what}-${name}.png`);
      await page.screenshot({ path: file });
      console.log(file);
    }
    await page.close();
  }
} finally {
  await browser.close();
  server.close();
}
