//! Benchmark of `civico serve`'s incremental rebuild: from one saved Markdown file to the
//! moment the preview is up to date (when the reload event is sent).
//!
//! `cargo bench --bench incremental -- CORPUS [ROUNDS]` where CORPUS is a civico network (for
//! example the 10,000-page corpus `bench/run.sh` generates in /tmp/civico-bench/c10000/civico).
//! Prints the cold build and, for each round, the time to apply one edited news item, then the
//! median; `bench/serve.sh` records it in bench/results/.

use std::path::PathBuf;
use std::time::Duration;

use civico_site::incremental::{Options, Session};

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let Some(corpus) = args.first().map(PathBuf::from) else {
        eprintln!("usage: cargo bench --bench incremental -- CORPUS [ROUNDS]");
        return;
    };
    let rounds: usize = args.get(1).and_then(|r| r.parse().ok()).unwrap_or(10);
    let out = tempfile::tempdir().expect("temporary folder");
    let (mut session, first) = Session::start(Options {
        root: corpus.clone(),
        out: out.path().to_path_buf(),
        comuni: Vec::new(),
        drafts: true,
        today: "2026-11-23".parse().ok(),
        origin: Some("http://127.0.0.1:1111".into()),
    });
    println!(
        "cold: {} pages in {:.0} ms ({} errors)",
        first.pages,
        ms(first.elapsed),
        first.errors()
    );
    // The news item to edit: the first Markdown file under some comune's notizie/.
    let file = walkdir::WalkDir::new(&corpus)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .find(|e| {
            e.path().extension().is_some_and(|x| x == "md")
                && e.path().components().any(|c| c.as_os_str() == "notizie")
        })
        .map(|e| e.into_path())
        .expect("a news item in the corpus");
    let original = std::fs::read_to_string(&file).expect("readable");
    // A body edit (the text of the page) and a front-matter edit (the title, which every
    // list showing the item repeats).
    let body = |i: usize| format!("{original}\n\nModifica numero {i}.\n");
    let title =
        |i: usize| original.replacen("\ntitolo: \"", &format!("\ntitolo: \"Modifica {i}: "), 1);
    for (what, edit) in [
        ("body", &body as &dyn Fn(usize) -> String),
        ("title", &title),
    ] {
        let mut times = Vec::new();
        for i in 0..rounds {
            std::fs::write(&file, edit(i)).expect("writable");
            let o = session.update(std::slice::from_ref(&file));
            // The server announces the reload here, then frees the old model.
            session.collect_garbage();
            assert_eq!(o.errors(), 0, "{:?}", o.diagnostics.first());
            println!(
                "{what} edit {i}: {:.1} ms, {} pages rendered, {} files written",
                ms(o.elapsed),
                o.rendered,
                o.written
            );
            times.push(o.elapsed);
        }
        times.sort();
        if let Some(m) = times.get(times.len() / 2) {
            println!(
                "median {what} edit to reload event: {:.1} ms over {rounds} edits",
                ms(*m)
            );
        }
    }
    std::fs::write(&file, original).expect("restored");
    session.update(std::slice::from_ref(&file));
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
