//! Progress display and interruption, independent of how they are shown: the command line
//! draws a terminal bar or log lines, Python a tqdm bar or a callback, tests nothing.
//!
//! Every long computation gets a [`Ctx`]: a [`Reporter`] that makes one [`Progress`] per task,
//! and a [`Stop`] flag that a signal handler (or another thread) sets. Computations look at
//! the flag between units of work (about every 50 ms) and return
//! [`Error::Interrupted`]; their partial output
//! directories are removed on the way out.

use crate::error::{Error, Result};
use sal::control::{ControlFlow, Halt};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Receives the progress of one task.
pub trait Progress: Send {
    /// `units` more units of work are done.
    fn inc(&mut self, units: u64);
    /// Replaces the task's status message (e.g. the current loss).
    fn message(&mut self, _msg: &str) {}
    /// The task is over.
    fn finish(&mut self) {}
}

/// Makes a [`Progress`] for each task.
pub trait Reporter: Sync {
    /// A task called `label` of `total` units of `unit` (e.g. "steps", "points").
    fn task(&self, label: &str, total: u64, unit: &str) -> Box<dyn Progress>;
}

/// Shows nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

struct NoProgress;

impl Progress for NoProgress {
    fn inc(&mut self, _: u64) {}
}

impl Reporter for Silent {
    fn task(&self, _: &str, _: u64, _: &str) -> Box<dyn Progress> {
        Box::new(NoProgress)
    }
}

/// A request to stop, shared between the computation and whoever may ask it to stop (a
/// signal handler: [`Stop::flag`] is what `signal-hook` registers). Holds the signal number,
/// 0 while no stop is requested.
#[derive(Debug, Clone, Default)]
pub struct Stop(Arc<AtomicUsize>);

impl Stop {
    /// A flag that is not set.
    pub fn new() -> Stop {
        Stop::default()
    }

    /// Asks the computation to stop, as if signal `signal` had arrived (2 = SIGINT).
    pub fn request(&self, signal: i32) {
        self.0.store(signal.max(1) as usize, Ordering::SeqCst);
    }

    /// The signal that asked to stop, if any.
    pub fn requested(&self) -> Option<i32> {
        match self.0.load(Ordering::Relaxed) {
            0 => None,
            s => Some(s as i32),
        }
    }

    /// `Err(Interrupted)` once a stop was requested.
    pub fn check(&self) -> Result<()> {
        match self.requested() {
            None => Ok(()),
            Some(signal) => Err(Error::Interrupted { signal }),
        }
    }

    /// The shared atomic (signal number or 0), for signal handlers.
    pub fn flag(&self) -> Arc<AtomicUsize> {
        self.0.clone()
    }
}

/// What a computation is given: where its progress goes and when to stop.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    /// Makes progress displays.
    pub reporter: &'a dyn Reporter,
    /// The stop request.
    pub stop: &'a Stop,
}

impl<'a> Ctx<'a> {
    /// A context with a reporter and a stop flag.
    pub fn new(reporter: &'a dyn Reporter, stop: &'a Stop) -> Ctx<'a> {
        Ctx { reporter, stop }
    }

    /// The same stop flag, no display (for the points of a sweep, which show one bar).
    pub fn silent(&self) -> Ctx<'a> {
        Ctx {
            reporter: &Silent,
            stop: self.stop,
        }
    }

    /// A core callback that feeds `units` to `progress` and asks to stop once the flag is set.
    pub fn ticker<'b>(
        &'b self,
        progress: &'b mut dyn Progress,
    ) -> impl FnMut(u64) -> ControlFlow<()> + 'b {
        move |units| {
            progress.inc(units);
            if self.stop.requested().is_some() {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        }
    }

    /// The error for a core simulation's [`Halt`].
    pub fn halt(&self, h: Halt) -> Error {
        match h {
            Halt::Interrupted => Error::Interrupted {
                signal: self.stop.requested().unwrap_or(2),
            },
            Halt::NonFinite {
                quantity,
                at,
                value,
            } => Error::NonFinite {
                quantity,
                at,
                value,
            },
        }
    }
}
