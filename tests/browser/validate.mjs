// Validates a JSON document against a JSON Schema (draft-07) with ajv; run by tests/check.rs.
//   node validate.mjs SCHEMA.json DOCUMENT.json
// Prints the errors and exits 1 when the document is not valid.
import fs from "node:fs";
import Ajv from "ajv";
import AjvDraft04 from "ajv-draft-04";
import addFormats from "ajv-formats";

const [schemaPath, docPath] = process.argv.slice(2);
const schema = JSON.parse(fs.readFileSync(schemaPath, "utf8"));
const doc = JSON.parse(fs.readFileSync(docPath, "utf8"));
// The SARIF 2.1.0 schema is written in draft-04; ours in draft-07.
const Draft = String(schema.$schema || "").includes("draft-04") ? AjvDraft04 : Ajv;
const ajv = new Draft({ strict: false, allErrors: true, unicodeRegExp: false });
addFormats(ajv);
const validate = ajv.compile(schema);
if (validate(doc)) {
  console.log("valid");
} else {
  console.log(JSON.stringify(validate.errors, null, 1));
  process.exit(1);
}
