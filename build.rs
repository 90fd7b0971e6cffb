//! Tells the tests which external tools this machine has, so that a test that cannot run shows
//! as *ignored* in `cargo test`'s summary (with the reason), never as passed. CI installs every
//! tool and sets CIVICO_QUALITY=require and CIVICO_PG=require: there a missing tool fails.
//!
//! cfgs: `civico_browser` (node, Debian's chromium, tests/browser/node_modules with
//! playwright-core and axe-core), `civico_vnu` (java and the vnu-jar package), `civico_ajv` (node
//! and the ajv package), `civico_pg` (PostgreSQL's initdb and pg_ctl).

use std::path::{Path, PathBuf};
use std::process::Command;

fn ok(cmd: &str, arg: &str) -> bool {
    Command::new(cmd)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success())
}

fn pg() -> bool {
    let on_path = std::env::var_os("PATH").is_some_and(|p| {
        std::env::split_paths(&p).any(|d| d.join("initdb").is_file() && d.join("pg_ctl").is_file())
    });
    let debian = std::fs::read_dir("/usr/lib/postgresql").is_ok_and(|rd| {
        rd.filter_map(Result::ok)
            .any(|e| e.path().join("bin/initdb").is_file())
    });
    on_path || debian
}

fn main() {
    let modules = PathBuf::from("tests/browser/node_modules");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    for p in [
        &modules,
        Path::new(&chromium),
        Path::new("/usr/lib/postgresql"),
    ] {
        println!("cargo::rerun-if-changed={}", p.display());
    }
    for v in ["CHROMIUM", "PATH"] {
        println!("cargo::rerun-if-env-changed={v}");
    }
    let node = ok("node", "--version");
    let found = [
        (
            "civico_browser",
            node && Path::new(&chromium).exists()
                && modules.join("playwright-core").is_dir()
                && modules.join("axe-core").is_dir(),
        ),
        (
            "civico_vnu",
            ok("java", "-version") && modules.join("vnu-jar").is_dir(),
        ),
        ("civico_ajv", node && modules.join("ajv").is_dir()),
        ("civico_pg", pg()),
    ];
    for (cfg, present) in found {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
        if present {
            println!("cargo::rustc-cfg={cfg}");
        }
    }
}
