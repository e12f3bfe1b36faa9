//! Long calls: the work runs on a helper thread without the GIL while the calling thread
//! waits in slices of 50 ms (also without the GIL), and between slices it
//!
//! * runs Python's signal handlers (`Python::check_signals`): a Ctrl-C (SIGINT) sets the
//!   experiments layer's [`Stop`] flag, the work returns `Interrupted` within about 50 ms of
//!   simulation and removes its partial output, and the call raises `KeyboardInterrupt`;
//! * shows the progress the work reports through [`Reporter`]: a tqdm bar per task when
//!   tqdm is installed (`progress=True`), or calls `progress(done, total)` with the units
//!   done so far and the task's total (`progress=callable`). Python code only ever runs on
//!   the calling thread, with the GIL.
//!
//! Work that cannot look at the stop flag (the core's STDD simulation and two-neuron SAL
//! have no progress callback) is left to finish on its helper thread after an interrupt; it
//! writes nothing, so nothing partial remains, and the call raises at once.

use crate::errors::to_py;
use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::PyBool;
use sal_experiments::progress::{Ctx, Progress, Reporter, Stop};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{RecvTimeoutError, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How often the calling thread looks at signals and progress.
const POLL: Duration = Duration::from_millis(50);

/// One task's progress, shared by the worker (writes) and the calling thread (reads).
struct Cell {
    label: String,
    unit: String,
    total: u64,
    done: AtomicU64,
    finished: AtomicBool,
}

/// The tasks a job has opened so far.
#[derive(Default)]
struct Board(Mutex<Vec<Arc<Cell>>>);

/// The [`Reporter`] the work sees.
struct Shared(Arc<Board>);

impl Reporter for Shared {
    fn task(&self, label: &str, total: u64, unit: &str) -> Box<dyn Progress> {
        let cell = Arc::new(Cell {
            label: label.to_string(),
            unit: unit.to_string(),
            total,
            done: AtomicU64::new(0),
            finished: AtomicBool::new(false),
        });
        self.0.0.lock().expect("board").push(cell.clone());
        Box::new(Tick(cell))
    }
}

struct Tick(Arc<Cell>);

impl Progress for Tick {
    fn inc(&mut self, units: u64) {
        self.0.done.fetch_add(units, Ordering::Relaxed);
    }
    fn finish(&mut self) {
        self.0.finished.store(true, Ordering::Relaxed);
    }
}

/// What `progress=` asked for.
enum Show {
    Nothing,
    Tqdm,
    Callback,
}

/// tqdm's bar class (`tqdm.auto.tqdm`: a widget in notebooks, text in a terminal).
fn tqdm(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    py.import("tqdm.auto")
        .or_else(|_| py.import("tqdm"))?
        .getattr("tqdm")
}

/// The progress display on the calling thread.
struct Display<'py> {
    show: Show,
    callback: Option<Bound<'py, PyAny>>,
    /// Per task seen: (units shown, its tqdm bar, closed).
    shown: Vec<(u64, Option<Bound<'py, PyAny>>, bool)>,
}

impl<'py> Display<'py> {
    fn new(py: Python<'py>, progress: Option<&Bound<'py, PyAny>>) -> PyResult<Display<'py>> {
        let mut d = Display {
            show: Show::Nothing,
            callback: None,
            shown: Vec::new(),
        };
        match progress {
            None => {}
            Some(p) if p.is_none() => {}
            Some(p) if p.is_instance_of::<PyBool>() => {
                // True: tqdm when installed, silent otherwise; False: nothing
                let on: bool = p.extract()?;
                if on && tqdm(py).is_ok() {
                    d.show = Show::Tqdm;
                }
            }
            Some(p) if p.is_callable() => {
                d.show = Show::Callback;
                d.callback = Some(p.clone());
            }
            Some(p) => {
                return Err(PyTypeError::new_err(format!(
                    "progress must be True, False, None or a callable(done, total), not {}",
                    p.get_type().name()?
                )));
            }
        }
        Ok(d)
    }

    fn sync(&mut self, py: Python<'py>, board: &Board) -> PyResult<()> {
        if matches!(self.show, Show::Nothing) {
            return Ok(());
        }
        let cells: Vec<Arc<Cell>> = board.0.lock().expect("board").clone();
        for (k, cell) in cells.iter().enumerate() {
            if k == self.shown.len() {
                let bar = match self.show {
                    Show::Tqdm => {
                        let tqdm = tqdm(py)?;
                        let kw = pyo3::types::PyDict::new(py);
                        kw.set_item("total", cell.total)?;
                        kw.set_item("desc", &cell.label)?;
                        kw.set_item("unit", &cell.unit)?;
                        kw.set_item("unit_scale", true)?;
                        kw.set_item("dynamic_ncols", true)?;
                        Some(tqdm.call((), Some(&kw))?)
                    }
                    _ => None,
                };
                self.shown.push((0, bar, false));
            }
            let done = cell.done.load(Ordering::Relaxed);
            let finished = cell.finished.load(Ordering::Relaxed);
            let (seen, bar, closed) = &mut self.shown[k];
            if *closed {
                continue;
            }
            if done != *seen {
                match (&self.callback, bar.as_ref()) {
                    (Some(cb), _) => {
                        cb.call1((done, cell.total))?;
                    }
                    (None, Some(b)) => {
                        b.call_method1("update", (done - *seen,))?;
                    }
                    _ => {}
                }
                *seen = done;
            }
            if finished {
                if let Some(b) = bar.as_ref() {
                    b.call_method0("close")?;
                }
                *closed = true;
            }
        }
        Ok(())
    }

    fn close(&mut self) {
        for (_, bar, closed) in &mut self.shown {
            if !*closed {
                if let Some(b) = bar.as_ref() {
                    let _ = b.call_method0("close");
                }
                *closed = true;
            }
        }
    }
}

/// Runs `work` on a helper thread (see the module docs). `cancellable`: the work looks at
/// the stop flag and cleans up, so an interrupt waits for it to return; otherwise the call
/// raises at once and the work finishes unobserved. Errors become Python exceptions with
/// `renames` applied to their messages ([`crate::errors::pythonic`]).
pub fn run<T: Send + 'static>(
    py: Python<'_>,
    progress: Option<&Bound<'_, PyAny>>,
    cancellable: bool,
    renames: &'static [(&'static str, &'static str)],
    work: impl FnOnce(&Ctx) -> sal_experiments::Result<T> + Send + 'static,
) -> PyResult<T> {
    let mut display = Display::new(py, progress)?;
    let board = Arc::new(Board::default());
    let stop = Stop::new();
    let (tx, rx) = channel();
    // (the receiver is used from detached sections, which need Sync)
    let rx = Mutex::new(rx);
    {
        let board = board.clone();
        let stop = stop.clone();
        std::thread::Builder::new()
            .name("sal-work".into())
            .spawn(move || {
                let reporter = Shared(board);
                let ctx = Ctx::new(&reporter, &stop);
                let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&ctx)));
                let _ = tx.send(r);
            })
            .map_err(|e| PyRuntimeError::new_err(format!("cannot start a thread: {e}")))?;
    }
    let finish = |r: std::thread::Result<sal_experiments::Result<T>>| -> PyResult<T> {
        match r {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(to_py(e, renames)),
            Err(p) => Err(PyRuntimeError::new_err(format!(
                "sal panicked (a bug; please report it): {}",
                p.downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default()
            ))),
        }
    };
    loop {
        let got = py.detach(|| rx.lock().expect("receiver").recv_timeout(POLL));
        let shown = display.sync(py, &board);
        match got {
            Ok(r) => {
                display.close();
                shown?;
                return finish(r);
            }
            Err(RecvTimeoutError::Disconnected) => {
                display.close();
                return Err(PyRuntimeError::new_err(
                    "the worker thread ended without a result",
                ));
            }
            Err(RecvTimeoutError::Timeout) => {}
        }
        // A signal (Ctrl-C → KeyboardInterrupt) or an exception from the progress callback.
        let failed = shown.err().or_else(|| py.check_signals().err());
        if let Some(err) = failed {
            stop.request(2);
            if cancellable {
                // the work stops within one progress tick and removes its partial output
                let _ = py.detach(|| rx.lock().expect("receiver").recv());
            }
            display.close();
            return Err(err);
        }
    }
}
