#!/usr/bin/env python3
"""Turns the `neutral/` flavour of ../shared/bench/gen-content.py into a civico network.

Usage: adapt-neutral.py NEUTRAL_DIR OUT_DIR
The same Markdown bodies; front matter mapped to civico's kinds (notizie, eventi, amministrazione
trasparente); tags mapped deterministically onto the controlled vocabulary of argomenti;
site-absolute links (/notizie/x/) rewritten as content paths (@/notizie/x.md) so civico checks them.
"""
import os, re, sys, zlib

ARGOMENTI = ["Bilancio", "Tempo libero", "Gestione rifiuti", "Istruzione", "Mobilità sostenibile", "Sport",
             "Assistenza sociale", "Urbanizzazione", "Comunicazione istituzionale", "Patrimonio culturale"]

def q(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'

def split(text):
    assert text.startswith("---\n")
    end = text.index("\n---\n", 4)
    fm, body = text[4:end], text[end + 5:]
    meta = {}
    for line in fm.splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            meta[k.strip()] = v.strip()
    return meta, body

def unq(v):
    v = v.strip()
    if v.startswith('"') and v.endswith('"'):
        return v[1:-1].replace('\\"', '"')
    return v

def tags(v):
    return [unq(t) for t in re.findall(r'"[^"]*"', v)]

def argomenti(meta):
    ts = tags(meta.get("tags", "[]")) or ["x"]
    out = []
    for t in ts:
        a = ARGOMENTI[zlib.crc32(t.encode()) % len(ARGOMENTI)]
        if a not in out:
            out.append(a)
    return "[" + ", ".join(q(a) for a in out) + "]"

def official_slugs():
    """Section slugs of the official tree (data/at-tree.yaml), read without a YAML library."""
    tree = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "at-tree.yaml")
    with open(tree, encoding="utf-8") as f:
        text = f.read().split("\nlegacy_sections:")[0]
    return re.findall(r"^  slug: (\S+)$", text, re.M)

OFFICIAL = official_slugs()

def at_section(path):
    """Maps a corpus section path (a/b) onto the official slug it abbreviates, or the closest
    first-level one; items at the root go to Altri contenuti > Dati ulteriori."""
    if path in OFFICIAL:
        return path
    if not path:
        return "altri-contenuti/dati-ulteriori"
    longer = [s for s in OFFICIAL if s.startswith(path)]
    if longer:
        return min(longer, key=len)
    first = path.split("/")[0]
    return first if first in OFFICIAL else "altri-contenuti/dati-ulteriori"

def at_path(rel):
    """amministrazione-trasparente/<section>/<file> with the section mapped to the official tree."""
    parts = rel.split("/")
    name = parts[-1]
    section = "/".join(parts[1:-1])
    if name == "_index.md":
        return "/".join(["amministrazione-trasparente", at_section(section), name])
    return "/".join(["amministrazione-trasparente", at_section(section), name])

def main():
    src, out = sys.argv[1], sys.argv[2]
    content = os.path.join(src, "content")
    comune = os.path.join(out, "comuni", "valverde")
    os.makedirs(comune, exist_ok=True)
    with open(os.path.join(out, "civico.yaml"), "w") as f:
        f.write('gestore: "Benchmark"\nelementi_per_pagina: 10\n')
    with open(os.path.join(comune, "comune.yaml"), "w") as f:
        f.write('''nome: "Valverde"
codice_istat: "099999"
codice_ipa: "c_z999"
codice_fiscale: "80000000994"
pec: "protocollo@pec.comune.valverde.example"
email: "info@comune.valverde.example"
telefono: "+39 0999 000000"
indirizzo: {via: "Piazza Roma 1", cap: "00999", localita: "Valverde", provincia: "VD"}
base_url: "https://www.comune.example.it/"
stemma: "media/stemma.svg"
ente_appartenenza: {nome: "Regione", url: "https://www.regione.example/"}
dichiarazione_accessibilita: "https://form.agid.gov.it/view/00000000-0000-0000-0000-000000000000"
area_personale: "https://servizi.comune.valverde.example/"
trasparenza_tutte_le_sezioni: true
''')
    os.makedirs(os.path.join(comune, "media"), exist_ok=True)
    with open(os.path.join(comune, "media", "stemma.svg"), "w") as f:
        f.write('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>\n')
    for kind, text in [("luoghi/municipio.md", '---\ntitolo: "Municipio"\ndescrizione_breve: "Sede del Comune"\nindirizzo: "Piazza Roma 1"\ncap: "00999"\ngeo: {lat: 44.0, lon: 10.0}\nmodalita_accesso: "Libero"\n---\n'),
                       ("uffici/segreteria.md", '---\ntitolo: "Segreteria"\ntipo: ufficio\ndescrizione_breve: "Segreteria"\ncompetenze: "Segreteria"\nsede: "luoghi/municipio"\ncontatti: {email: "s@comune.valverde.example"}\n---\n')]:
        p = os.path.join(comune, kind)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)

    def rewrite(body):
        def repl(m):
            path = m.group(1).strip("/")
            if os.path.isfile(os.path.join(content, path, "_index.md")):
                target = path + "/_index.md"
            else:
                target = path + ".md"
            if target.startswith("amministrazione-trasparente/"):
                target = at_path(target)
            return "](@/" + target + ")"
        return re.sub(r"\]\(/((?:notizie|eventi|amministrazione-trasparente)/[^)]*)\)", repl, body)

    for d, _, files in os.walk(content):
        for name in files:
            if not name.endswith(".md"):
                continue
            p = os.path.join(d, name)
            rel = os.path.relpath(p, content)
            if rel == "_index.md" or rel in ("notizie/_index.md", "eventi/_index.md"):
                continue
            with open(p, encoding="utf-8") as f:
                meta, body = split(f.read())
            title = unq(meta.get("title", "Senza titolo"))
            summary = unq(meta.get("summary", title))[:155]
            body = rewrite(body)
            if rel.startswith("notizie/"):
                fm = (f"titolo: {q(title)}\ntipo: notizia\ndata: {meta['date']}\ndescrizione_breve: {q(summary)}\n"
                      f"argomenti: {argomenti(meta)}\na_cura_di: [\"uffici/segreteria\"]\n")
                dest = rel
            elif rel.startswith("eventi/"):
                fm = (f"titolo: {q(title)}\ntipo_evento: \"Festival\"\ninizio: {meta.get('data_evento', meta['date'])}\n"
                      f"descrizione_breve: {q(summary)}\na_chi_e_rivolto: \"A tutti.\"\nargomenti: {argomenti(meta)}\n")
                dest = rel
            else:
                fm = f"titolo: {q(title)}\n"
                if "date" in meta:
                    fm += f"pubblicato_il: {meta['date']}\n"
                dest = at_path(rel)
                if os.path.exists(os.path.join(comune, dest)) and dest.endswith("_index.md"):
                    continue
            out_p = os.path.join(comune, dest)
            os.makedirs(os.path.dirname(out_p), exist_ok=True)
            with open(out_p, "w", encoding="utf-8") as f:
                f.write("---\n" + fm + "---\n" + body)

if __name__ == "__main__":
    main()
