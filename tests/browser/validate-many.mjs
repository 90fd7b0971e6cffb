// Validates many documents against the JSON Schemas (draft 2020-12) of `civico schema` with
// ajv; run by tests/schema.rs.
//   node validate-many.mjs SCHEMA_DIR CASES.json
// CASES.json: [{"schema": "eventi.schema.json", "name": "...", "data": {...}, "valid": true}]
// Prints the cases whose outcome differs from "valid" and exits 1 if there is any.
import fs from "node:fs";
import path from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const [dir, casesPath] = process.argv.slice(2);
const cases = JSON.parse(fs.readFileSync(casesPath, "utf8"));
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
const compiled = new Map();
const wrong = [];
for (const c of cases) {
  if (!compiled.has(c.schema)) {
    compiled.set(c.schema, ajv.compile(JSON.parse(fs.readFileSync(path.join(dir, c.schema), "utf8"))));
  }
  const validate = compiled.get(c.schema);
  const ok = validate(c.data);
  if (ok !== c.valid) wrong.push({ name: c.name, expected: c.valid, errors: validate.errors });
}
console.log(JSON.stringify({ checked: cases.length, wrong }, null, 1));
process.exit(wrong.length ? 1 : 0);
