//! Progress display: a bar on a terminal, periodic lines otherwise (logs, CI, batch jobs).

use indicatif::{ProgressBar, ProgressStyle};
use sal_experiments::progress::{Progress, Reporter};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// Shows tasks on standard error (nothing when `quiet`).
#[derive(Debug, Clone, Copy)]
pub struct Term {
    /// Show nothing.
    pub quiet: bool,
}

impl Reporter for Term {
    fn task(&self, label: &str, total: u64, unit: &str) -> Box<dyn Progress> {
        Box::new(Bar::new(label, total, unit, self.quiet))
    }
}

/// Progress of a long computation measured in abstract units (e.g. simulated steps).
pub struct Bar {
    bar: Option<ProgressBar>,
    label: String,
    total: u64,
    done: u64,
    started: Instant,
    last_line: Instant,
    next_fraction: f64,
    quiet: bool,
}

impl Bar {
    /// A progress reporter for `total` units. `quiet` silences it.
    pub fn new(label: &str, total: u64, unit: &str, quiet: bool) -> Bar {
        let bar = if !quiet && std::io::stderr().is_terminal() {
            let b = ProgressBar::new(total);
            b.set_style(
                ProgressStyle::with_template(&format!(
                    "{{prefix}} [{{bar:40.cyan/blue}}] {{percent:>3}}% {{human_pos}}/{{human_len}} {unit} ({{eta}} left) {{msg}}"
                ))
                .expect("valid template")
                .progress_chars("=> "),
            );
            b.set_prefix(label.to_string());
            Some(b)
        } else {
            None
        };
        Bar {
            bar,
            label: label.to_string(),
            total: total.max(1),
            done: 0,
            started: Instant::now(),
            last_line: Instant::now(),
            next_fraction: 0.1,
            quiet,
        }
    }
}

impl Progress for Bar {
    fn inc(&mut self, units: u64) {
        self.done += units;
        if let Some(b) = &self.bar {
            b.set_position(self.done);
            return;
        }
        if self.quiet {
            return;
        }
        let frac = self.done as f64 / self.total as f64;
        // log lines only for tasks that take a while (a line per 10 %, at least once a minute)
        let slow = self.started.elapsed() > Duration::from_secs(2);
        if slow
            && (frac >= self.next_fraction || self.last_line.elapsed() > Duration::from_secs(60))
        {
            let el = self.started.elapsed().as_secs_f64();
            let eta = if frac > 0.0 { el / frac - el } else { 0.0 };
            eprintln!(
                "{}: {:>5.1}% ({:.0} s elapsed, ~{:.0} s left)",
                self.label,
                100.0 * frac,
                el,
                eta
            );
            while self.next_fraction <= frac {
                self.next_fraction += 0.1;
            }
            self.last_line = Instant::now();
        }
    }

    fn message(&mut self, msg: &str) {
        if let Some(b) = &self.bar {
            b.set_message(msg.to_string());
        }
    }

    fn finish(&mut self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
