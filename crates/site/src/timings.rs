//! How long each phase of the pipeline took, and the memory the process had at its peak when
//! it ended: the same phases, measured the same way, for `build`, `check` and `serve`
//! (`--timings`).

use std::time::{Duration, Instant};

/// One phase: its name as people read it, how long it took, the peak memory so far.
#[derive(Debug, Clone, PartialEq)]
pub struct Phase {
    pub name: &'static str,
    pub took: Duration,
    /// Peak resident memory of the process when the phase ended, in KB (Linux only).
    pub peak_kb: Option<u64>,
}

/// The phases of one run, in order.
#[derive(Debug, Clone)]
pub struct Timings {
    phases: Vec<Phase>,
    last: Instant,
}

impl Default for Timings {
    fn default() -> Self {
        Timings::start()
    }
}

impl Timings {
    /// Starts the clock of the first phase.
    pub fn start() -> Timings {
        Timings {
            phases: Vec::new(),
            last: Instant::now(),
        }
    }

    /// Ends the current phase, named `name`, and starts the next one.
    pub fn mark(&mut self, name: &'static str) {
        let now = Instant::now();
        self.phases.push(Phase {
            name,
            took: now - self.last,
            peak_kb: peak_kb(),
        });
        self.last = now;
    }

    pub fn phases(&self) -> &[Phase] {
        &self.phases
    }

    /// One line per phase, for the terminal: `  pagine      2.631 s   picco 220 MB`.
    pub fn lines(&self) -> Vec<String> {
        self.phases
            .iter()
            .map(|p| {
                let peak = p
                    .peak_kb
                    .map(|kb| format!("   picco {} MB", kb / 1024))
                    .unwrap_or_default();
                format!("  {:<10} {:>8.3} s{peak}", p.name, p.took.as_secs_f64())
            })
            .collect()
    }
}

/// The process's peak resident memory (`VmHWM`), in KB; None where /proc is not there.
fn peak_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_are_kept_in_order_with_their_lines() {
        let mut t = Timings::start();
        t.mark("lettura");
        std::thread::sleep(Duration::from_millis(5));
        t.mark("pagine");
        let names: Vec<_> = t.phases().iter().map(|p| p.name).collect();
        assert_eq!(names, ["lettura", "pagine"]);
        assert!(t.phases()[1].took >= Duration::from_millis(5));
        let lines = t.lines();
        assert!(lines[1].starts_with("  pagine "), "{lines:?}");
        assert!(lines[1].contains(" s"));
        if cfg!(target_os = "linux") {
            assert!(t.phases()[0].peak_kb.is_some_and(|kb| kb > 0));
            assert!(lines[0].contains("picco"));
        }
    }
}
