//! `sal.stdd`, `sal.pair`, `sal.phase_plane`: the requests of `sal stdd`, `sal pair` and
//! Fig 2e (`sal_experiments::analytic`), with numpy arrays out.

use crate::job;
use numpy::{PyArray1, PyArray2, PyArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use sal::conventions::MinIsi;
use sal::kernel::Psp;
use sal_experiments::analytic::{PairRequest, PhasePlaneRequest, StddRequest};

/// Renames of flag names in messages: none (every flag of these requests is its keyword).
const RENAMES: &[(&str, &str)] = &[];

/// The spike-timing-difference distribution of a pair and its SAL values.
#[pyclass(module = "sal", frozen)]
pub struct Stdd {
    /// Lags Δ = t_1 − t_2 in steps, −(T−1) … T−1 (int64).
    #[pyo3(get)]
    lags: Py<PyArray1<i64>>,
    /// p(Δ) per lag (float64; NaN at lag 0; each half sums to ½).
    #[pyo3(get)]
    p: Py<PyArray1<f64>>,
    /// Expected SAL update of w12 (synapse 2 → 1) per pair of spikes, Σ_Δ p(Δ)·K(Δ).
    #[pyo3(get)]
    sal_12: f64,
    /// Expected SAL update of w21 (synapse 1 → 2).
    #[pyo3(get)]
    sal_21: f64,
    /// T: the largest |lag| is T − 1 (steps).
    #[pyo3(get)]
    t_max: usize,
}

#[pymethods]
impl Stdd {
    fn __repr__(&self) -> String {
        format!(
            "Stdd(T={}, sal_12={:.6e}, sal_21={:.6e})",
            self.t_max, self.sal_12, self.sal_21
        )
    }
}

fn psp(s: &str) -> PyResult<Psp> {
    Psp::parse(s).ok_or_else(|| {
        PyValueError::new_err(format!(
            "invalid value for psp: '{s}' is not a PSP kernel (rect, exp, cutoff, tail, alpha)"
        ))
    })
}

fn min_isi(s: &str) -> PyResult<MinIsi> {
    MinIsi::parse(s).ok_or_else(|| {
        PyValueError::new_err(format!(
            "invalid value for min_isi: '{s}' is not a minimum inter-spike interval (tref, tref+1)"
        ))
    })
}

/// The spike-timing-difference distribution (STDD) p(Δ), Δ = t_1 − t_2 in steps, of two
/// reciprocally coupled stochastic neurons, and the SAL updates it implies — `sal stdd`.
///
/// Neuron 1 receives ``w12`` (the synapse 2 → 1), neuron 2 receives ``w21``. Positive lags
/// mean neuron 1 fired after neuron 2; each half of p sums to ½. By default p is the exact
/// distribution of the analytic Markov chain; with ``simulate=True`` it is estimated from
/// ``steps`` simulated steps under the same conventions (seeded by ``seed``).
///
/// Args:
///     w12, w21: synaptic weights (2 → 1 and 1 → 2).
///     b1, b2: biases.
///     t_ref: refractory period t_ref in steps (1 t_ref = 10 ms on the paper's axes).
///     t_syn: synaptic time constant τ_syn in steps (exp/cutoff/tail/alpha; default t_ref).
///     t_max: T, lags run over −(T−1) … T−1 (default 3·t_ref).
///     psp: PSP kernel: "rect", "exp", "cutoff", "tail" or "alpha".
///     min_isi: minimum inter-spike interval, "tref" (reference calculator) or "tref+1"
///         (the reference sampler).
///     window_a_plus, window_a_minus: SAL window amplitudes of the causal (Δ > 0) and the
///         anti-causal side.
///     window_tau_plus, window_tau_minus: their time constants in steps (default t_ref).
///     simulate: estimate p from a simulation instead of the exact chain.
///     steps: simulated steps (with simulate).
///     seed: master seed of the simulation.
///     engine: "event" (rect PSP; the default there) or "clock" (any kernel).
///
/// Returns:
///     Stdd: ``lags``, ``p`` (numpy), ``sal_12``, ``sal_21``, ``t_max``.
///
/// Raises:
///     ValueError: an invalid parameter (the message names it).
///
/// The computation releases the GIL; Ctrl-C raises KeyboardInterrupt at once.
#[pyfunction]
#[pyo3(signature = (
    w12, w21, b1 = 0.0, b2 = 0.0, t_ref = 10, t_syn = None, t_max = None, psp = "rect",
    min_isi = "tref", window_a_plus = -1.0, window_a_minus = 1.0, window_tau_plus = None,
    window_tau_minus = None, simulate = false, steps = 10_000_000, seed = 0, engine = None
),
text_signature = "(w12, w21, b1=0.0, b2=0.0, t_ref=10, t_syn=None, t_max=None, psp='rect', min_isi='tref', window_a_plus=-1.0, window_a_minus=1.0, window_tau_plus=None, window_tau_minus=None, simulate=False, steps=10000000, seed=0, engine=None)")]
#[allow(clippy::too_many_arguments)]
pub fn stdd(
    py: Python<'_>,
    w12: f64,
    w21: f64,
    b1: f64,
    b2: f64,
    t_ref: usize,
    t_syn: Option<f64>,
    t_max: Option<usize>,
    psp: &str,
    min_isi: &str,
    window_a_plus: f64,
    window_a_minus: f64,
    window_tau_plus: Option<f64>,
    window_tau_minus: Option<f64>,
    simulate: bool,
    steps: u64,
    seed: u64,
    engine: Option<String>,
) -> PyResult<Stdd> {
    let req = StddRequest {
        w12,
        w21,
        b1,
        b2,
        t_ref,
        t_syn,
        t_max,
        psp: self::psp(psp)?,
        window_a_plus,
        window_a_minus,
        window_tau_plus,
        window_tau_minus,
        min_isi: self::min_isi(min_isi)?,
        simulate,
        steps,
        engine,
        seed,
    };
    let (t, out) = job::run(py, None, false, RENAMES, move |_| {
        req.compute().map(|(prob, out)| (prob.calc.t_max, out))
    })?;
    let p: Vec<f64> = out.p.iter().map(|v| v.unwrap_or(f64::NAN)).collect();
    Ok(Stdd {
        lags: PyArray1::from_vec(py, out.lag).unbind(),
        p: PyArray1::from_vec(py, p).unbind(),
        sal_12: out.sal_12,
        sal_21: out.sal_21,
        t_max: t,
    })
}

/// Weight trajectories of the two-neuron SAL experiment.
#[pyclass(module = "sal", frozen)]
pub struct Trajectory {
    /// w12 (synapse 2 → 1) at the start and after every epoch (epochs + 1 values).
    #[pyo3(get)]
    w12: Py<PyArray1<f64>>,
    /// w21 (synapse 1 → 2) at the start and after every epoch.
    #[pyo3(get)]
    w21: Py<PyArray1<f64>>,
}

#[pymethods]
impl Trajectory {
    fn __repr__(&self, py: Python<'_>) -> String {
        let a = self.w12.bind(py);
        let b = self.w21.bind(py);
        let n = a.len().unwrap_or(0);
        let last =
            |x: &Bound<'_, PyArray1<f64>>| x.get_owned(n.saturating_sub(1)).unwrap_or(f64::NAN);
        format!(
            "Trajectory(epochs={}, w12: {:.4} → {:.4}, w21: {:.4} → {:.4})",
            n.saturating_sub(1),
            a.get_owned(0).unwrap_or(f64::NAN),
            last(a),
            b.get_owned(0).unwrap_or(f64::NAN),
            last(b)
        )
    }
}

/// Two reciprocally coupled neurons whose weights learn with SAL (Fig 2d) — `sal pair`.
///
/// Sampler conventions (minimum ISI t_ref + 1, rectangular PSP of ``t_syn`` steps). Every
/// epoch simulates ``steps_per_epoch`` steps from a fresh state with the current weights,
/// pairs every spike with each neuron's last ``history`` spikes under the SAL window
/// (A+ = −1, A− = +1, τ = t_ref) and adds ``lr · t_ref / steps_per_epoch`` times the sum.
/// The defaults are the paper's Fig 2d set-up.
///
/// Args:
///     w12, w21: initial weights (2 → 1 and 1 → 2).
///     b1, b2: biases.
///     t_ref: refractory period in steps (also the window's τ).
///     t_syn: length of the rectangular PSP in steps (default t_ref).
///     epochs: number of epochs.
///     steps_per_epoch: simulated steps per epoch.
///     lr: learning rate η.
///     history: spikes per neuron kept for pairing (K).
///     only_w21: only w21 learns (a feedback weight aligning to the fixed w12).
///     seed: master seed.
///
/// Returns:
///     Trajectory: numpy ``w12`` and ``w21``, epochs + 1 values each (the first the initial).
///
/// Raises:
///     ValueError: an invalid parameter (the message names it).
#[pyfunction]
#[pyo3(signature = (
    w12 = 1.5, w21 = 0.5, b1 = -0.5, b2 = -0.2, t_ref = 25, t_syn = None, epochs = 1500,
    steps_per_epoch = 1500, lr = 0.03, history = 10, only_w21 = false, seed = 45
),
text_signature = "(w12=1.5, w21=0.5, b1=-0.5, b2=-0.2, t_ref=25, t_syn=None, epochs=1500, steps_per_epoch=1500, lr=0.03, history=10, only_w21=False, seed=45)")]
#[allow(clippy::too_many_arguments)]
pub fn pair(
    py: Python<'_>,
    w12: f64,
    w21: f64,
    b1: f64,
    b2: f64,
    t_ref: usize,
    t_syn: Option<usize>,
    epochs: usize,
    steps_per_epoch: u64,
    lr: f64,
    history: usize,
    only_w21: bool,
    seed: u64,
) -> PyResult<Trajectory> {
    let req = PairRequest {
        w12,
        w21,
        b1,
        b2,
        t_ref,
        t_syn,
        epochs,
        steps_per_epoch,
        lr,
        history,
        only_w21,
        seed,
    };
    let tr = job::run(py, None, false, RENAMES, move |_| req.run())?;
    Ok(Trajectory {
        w12: PyArray1::from_vec(py, tr.w12).unbind(),
        w21: PyArray1::from_vec(py, tr.w21).unbind(),
    })
}

/// A SAL phase plane: the expected SAL updates over a grid of weight pairs.
#[pyclass(module = "sal", frozen)]
pub struct PhasePlane {
    /// The weight axis (both weights), n values.
    #[pyo3(get)]
    w: Py<PyArray1<f64>>,
    /// Expected update of w12 at (w12 = w[i], w21 = w[j]), an n×n array indexed [i, j].
    #[pyo3(get)]
    sal_12: Py<PyArray2<f64>>,
    /// Expected update of w21 at (w12 = w[i], w21 = w[j]), n×n, [i, j].
    #[pyo3(get)]
    sal_21: Py<PyArray2<f64>>,
}

#[pymethods]
impl PhasePlane {
    fn __repr__(&self, py: Python<'_>) -> String {
        let w = self.w.bind(py);
        let n = w.len().unwrap_or(0);
        format!(
            "PhasePlane({n}×{n}, w = {} … {})",
            w.get_owned(0).unwrap_or(f64::NAN),
            w.get_owned(n.saturating_sub(1)).unwrap_or(f64::NAN)
        )
    }
}

/// The SAL phase plane (Fig 2e, stdd.md §7): the expected SAL updates (sal_12, sal_21) of
/// the exact STDD on an n×n grid of weight pairs, both weights on ``linspace(w_min, w_max,
/// n)``. The defaults are the paper's Fig 2e (17×17 over −2 … 2, T = 30, t_ref = τ_syn =
/// 15 steps, zero biases); ``sal figure fig2e`` computes its grid with the same function.
///
/// Args:
///     w_min, w_max, n: the weight axis.
///     b1, b2: biases.
///     t_ref, t_syn, t_max, psp, min_isi, window_*: as in :func:`stdd`.
///
/// Returns:
///     PhasePlane: numpy ``w`` (n), ``sal_12`` and ``sal_21`` (n×n, ``[i, j]`` at w12 = ``w[i]``,
///     w21 = ``w[j]``). Fig 2e draws x = w21, y = w12 with arrows (sal_21, sal_12).
///
/// Raises:
///     ValueError: an invalid parameter (the message names it).
#[pyfunction]
#[pyo3(signature = (
    w_min = -2.0, w_max = 2.0, n = 17, b1 = 0.0, b2 = 0.0, t_ref = 15, t_syn = None,
    t_max = 30, psp = "rect", min_isi = "tref", window_a_plus = -1.0,
    window_a_minus = 1.0, window_tau_plus = None, window_tau_minus = None
),
text_signature = "(w_min=-2.0, w_max=2.0, n=17, b1=0.0, b2=0.0, t_ref=15, t_syn=None, t_max=30, psp='rect', min_isi='tref', window_a_plus=-1.0, window_a_minus=1.0, window_tau_plus=None, window_tau_minus=None)")]
#[allow(clippy::too_many_arguments)]
pub fn phase_plane(
    py: Python<'_>,
    w_min: f64,
    w_max: f64,
    n: usize,
    b1: f64,
    b2: f64,
    t_ref: usize,
    t_syn: Option<f64>,
    t_max: usize,
    psp: &str,
    min_isi: &str,
    window_a_plus: f64,
    window_a_minus: f64,
    window_tau_plus: Option<f64>,
    window_tau_minus: Option<f64>,
) -> PyResult<PhasePlane> {
    let req = PhasePlaneRequest {
        stdd: StddRequest {
            b1,
            b2,
            t_ref,
            t_syn,
            t_max: Some(t_max),
            psp: self::psp(psp)?,
            min_isi: self::min_isi(min_isi)?,
            window_a_plus,
            window_a_minus,
            window_tau_plus,
            window_tau_minus,
            ..StddRequest::default()
        },
        w_min,
        w_max,
        n,
    };
    let pp = job::run(py, None, false, RENAMES, move |_| req.compute())?;
    let k = pp.n();
    let grid = |v: Vec<f64>| -> PyResult<Py<PyArray2<f64>>> {
        Ok(PyArray1::from_vec(py, v).reshape([k, k])?.unbind())
    };
    Ok(PhasePlane {
        w: PyArray1::from_vec(py, pp.axis).unbind(),
        sal_12: grid(pp.sal12)?,
        sal_21: grid(pp.sal21)?,
    })
}
