//! Progress and stopping of long simulations, without I/O: a simulator calls a progress
//! callback with the units of work it has done (steps, iterations, epochs); the callback may
//! return [`ControlFlow::Break`] to stop the run early (the command line does so on Ctrl-C).
//! A simulator that stops, or that meets a non-finite number, returns a [`Halt`].
//!
//! Callbacks may return either `()` (never stop: `&mut |_| {}` keeps working) or a
//! [`ControlFlow`]; the [`Flow`] trait accepts both.

pub use std::ops::ControlFlow;

/// What a progress callback may return: `()` (go on) or a [`ControlFlow`].
pub trait Flow {
    /// As a control-flow decision.
    fn flow(self) -> ControlFlow<()>;
}

impl Flow for () {
    fn flow(self) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }
}

impl Flow for ControlFlow<()> {
    fn flow(self) -> ControlFlow<()> {
        self
    }
}

/// Why a simulation stopped before its end.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Halt {
    /// The progress callback asked to stop.
    #[error("interrupted")]
    Interrupted,
    /// A quantity became NaN or infinite.
    #[error("{quantity} became non-finite ({value}) at {at}")]
    NonFinite {
        /// What, e.g. `weights W[2][5]` or `bias b[3]`.
        quantity: String,
        /// When, e.g. `iteration 17`.
        at: String,
        /// The offending value.
        value: f64,
    },
}

/// Checks that every entry of `values` is finite; `name(i)` names entry `i` for the message
/// and `at` says when (e.g. "iteration 17").
pub fn check_finite(
    values: &[f64],
    name: impl Fn(usize) -> String,
    at: impl FnOnce() -> String,
) -> Result<(), Halt> {
    match values.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(i) => Err(Halt::NonFinite {
            quantity: name(i),
            at: at(),
            value: values[i],
        }),
    }
}

/// Calls `progress(units)` and turns a `Break` into [`Halt::Interrupted`].
pub fn tick<R: Flow>(progress: &mut impl FnMut(u64) -> R, units: u64) -> Result<(), Halt> {
    match progress(units).flow() {
        ControlFlow::Continue(()) => Ok(()),
        ControlFlow::Break(()) => Err(Halt::Interrupted),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_and_control_flow_callbacks() {
        let mut seen = 0;
        let mut go = |u: u64| seen += u;
        assert_eq!(tick(&mut go, 3), Ok(()));
        assert_eq!(seen, 3);
        let mut stop = |_: u64| ControlFlow::Break(());
        assert_eq!(tick(&mut stop, 1), Err(Halt::Interrupted));
        let e = check_finite(&[1.0, f64::NAN], |i| format!("w[{i}]"), || "step 4".into());
        assert_eq!(
            e.unwrap_err().to_string(),
            "w[1] became non-finite (NaN) at step 4"
        );
        assert!(check_finite(&[0.0, -1.0], |_| String::new(), String::new).is_ok());
    }
}
