// A static server that sends the precompressed .gz sibling when the client accepts gzip,
// as a production web server configured for civico's output does.
import http from "node:http"; import fs from "node:fs"; import path from "node:path";
const [root, port] = process.argv.slice(2);
const TYPES = { ".html": "text/html; charset=utf-8", ".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml",
  ".json": "application/json", ".woff2": "font/woff2", ".png": "image/png", ".jpg": "image/jpeg", ".webp": "image/webp" };
http.createServer((req, res) => {
  let p = decodeURIComponent(new URL(req.url, "http://x").pathname);
  let file = path.join(root, path.normalize(p));
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, "index.html");
  if (!fs.existsSync(file)) { res.writeHead(404); res.end(); return; }
  const headers = { "Content-Type": TYPES[path.extname(file)] || "application/octet-stream", "Cache-Control": "max-age=3600" };
  if (/gzip/.test(req.headers["accept-encoding"] || "") && fs.existsSync(file + ".gz")) { file += ".gz"; headers["Content-Encoding"] = "gzip"; }
  res.writeHead(200, headers); fs.createReadStream(file).pipe(res);
}).listen(Number(port), "127.0.0.1");
