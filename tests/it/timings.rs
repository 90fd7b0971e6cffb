//! `--timings`: build, check and serve run the same phases and report them the same way (name,
//! duration, peak memory), in the order they run.

use std::process::Command;

use crate::common::{self, bin, repo};

/// The phase names of `--timings` lines, in order.
fn phases(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter(|l| l.starts_with("  ") && l.contains(" s") && l.contains("picco"))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

#[test]
fn build_check_and_serve_time_the_same_phases() {
    let src = repo().join("content-example");
    let out = tempfile::tempdir().unwrap();
    let build = Command::new(bin())
        .arg("build")
        .arg(&src)
        .arg("--out")
        .arg(out.path())
        .args(["--date", "2026-11-23", "--no-cache", "--timings"])
        .output()
        .unwrap();
    let build_err = String::from_utf8_lossy(&build.stderr);
    assert!(build.status.success(), "{build_err}");
    assert_eq!(
        phases(&build_err),
        ["lettura", "modello", "pagine", "scrittura"],
        "{build_err}"
    );

    let check = Command::new(bin())
        .arg("check")
        .arg(&src)
        .args(["--date", "2026-11-23", "--format", "json", "--timings"])
        .output()
        .unwrap();
    let check_err = String::from_utf8_lossy(&check.stderr);
    assert_eq!(
        phases(&check_err),
        ["lettura", "modello", "pagine", "controlli"],
        "{check_err}"
    );
    // The report itself is still only JSON on standard output.
    serde_json::from_slice::<serde_json::Value>(&check.stdout).expect("JSON report");

    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("sito");
    common::copy_dir(&src, &root);
    let mut cmd = Command::new(bin());
    cmd.arg("serve")
        .arg(&root)
        .args(["--port", "0", "--date", "2026-11-23", "--timings"]);
    let (mut child, _, log) = common::spawn_server_logged(cmd);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let serve_phases = loop {
        let p = phases(&log.lock().unwrap());
        if p.len() >= 2 || std::time::Instant::now() > deadline {
            break p;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let _ = child.kill();
    let _ = child.wait();
    // The preview renders the model with the pages (its Markdown cache lives in the model).
    assert_eq!(
        serve_phases,
        ["lettura", "pagine"],
        "{}",
        log.lock().unwrap()
    );
}
