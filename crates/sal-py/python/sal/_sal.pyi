"""Type stubs of the compiled module ``sal._sal`` (re-exported by ``sal``).

Units: time in steps (1 t_ref = 10 ms on the paper's axes); weights [post][pre], ``w12`` is
the synapse 2 → 1; lags Δ = t_1 − t_2.
"""

import os
import pathlib
from typing import Any, Callable, Literal, Mapping, Sequence

import numpy as np
import numpy.typing as npt

__version__: str

Psp = Literal["rect", "exp", "cutoff", "tail", "alpha"]
MinIsi = Literal["tref", "tref+1"]
Engine = Literal["clock", "event"]
#: ``True``: a tqdm bar when tqdm is installed (None means the same); ``False``: nothing;
#: a callable: ``progress(done, total)`` with the units done so far and the task's total.
ProgressArg = bool | Callable[[int, int], object] | None
#: Overrides: ``{"key.path": value}`` or ``["key.path=value", …]``.
Overrides = Mapping[str, Any] | Sequence[str] | None
PathLike = str | os.PathLike[str]

class SalError(RuntimeError):
    """A computation of sal failed (a point of a sweep, a protected output directory, …)."""

class NonFiniteError(SalError):
    """A run produced a non-finite number (NaN or ±∞); the message names the quantity and when."""

class Stdd:
    """The spike-timing-difference distribution of a pair and its SAL values."""

    @property
    def lags(self) -> npt.NDArray[np.int64]:
        """Lags Δ = t_1 − t_2 in steps, −(T−1) … T−1."""
    @property
    def p(self) -> npt.NDArray[np.float64]:
        """p(Δ) per lag (NaN at lag 0; each half sums to ½)."""
    @property
    def sal_12(self) -> float:
        """Expected SAL update of w12 (synapse 2 → 1) per pair of spikes."""
    @property
    def sal_21(self) -> float:
        """Expected SAL update of w21 (synapse 1 → 2)."""
    @property
    def t_max(self) -> int:
        """T: the largest |lag| is T − 1 (steps)."""

class Trajectory:
    """Weight trajectories of the two-neuron SAL experiment."""

    @property
    def w12(self) -> npt.NDArray[np.float64]:
        """w12 at the start and after every epoch (epochs + 1 values)."""
    @property
    def w21(self) -> npt.NDArray[np.float64]:
        """w21 at the start and after every epoch (epochs + 1 values)."""

class PhasePlane:
    """A SAL phase plane: the expected SAL updates over a grid of weight pairs."""

    @property
    def w(self) -> npt.NDArray[np.float64]:
        """The weight axis (both weights), n values."""
    @property
    def sal_12(self) -> npt.NDArray[np.float64]:
        """Expected update of w12 at (w12 = w[i], w21 = w[j]), n×n, indexed [i, j]."""
    @property
    def sal_21(self) -> npt.NDArray[np.float64]:
        """Expected update of w21 at (w12 = w[i], w21 = w[j]), n×n, indexed [i, j]."""

class Run:
    """One run of an experiment: its metrics, arrays and resolved configuration."""

    @property
    def metrics(self) -> dict[str, Any]:
        """metrics.json as a dict; lists of numbers are numpy arrays (null → NaN; +∞ for dkl)."""
    @property
    def arrays(self) -> dict[str, npt.NDArray[np.float64]]:
        """The arrays of arrays.npz by name."""
    @property
    def config(self) -> dict[str, Any]:
        """The resolved configuration (every default explicit); ``sal.run(run.config)`` reruns it."""
    @property
    def dir(self) -> pathlib.Path | None:
        """The run directory, or None for a run kept in memory."""
    @property
    def kind(self) -> str:
        """The experiment kind (``ssn``, ``microcircuit``, …)."""
    @property
    def name(self) -> str:
        """The scenario name."""

class Sweep:
    """What `sal.sweep` did: the points of the plan, how many it computed, how many are done."""

    @property
    def dir(self) -> pathlib.Path:
        """The sweep directory."""
    @property
    def scenario(self) -> str:
        """The scenario name."""
    @property
    def points(self) -> int:
        """Points of the whole plan."""
    @property
    def computed(self) -> int:
        """Points computed by this call."""
    @property
    def busy(self) -> int:
        """Points skipped because another process held them."""
    @property
    def done(self) -> int:
        """Finished points of the whole plan after this call."""

class Report:
    """A report written by `sal.report`: where its tables and figures are, and its rows."""

    @property
    def dir(self) -> pathlib.Path:
        """The report directory."""
    @property
    def files(self) -> list[pathlib.Path]:
        """The files written (tables, long.csv, figures), sorted."""
    @property
    def figures(self) -> list[str]:
        """The paper figures drawn (``fig4``, ``fig5``, ``fig6``)."""
    @property
    def rows(self) -> list[dict[str, Any]]:
        """Per-point final values (the rows of ``sal report --json``)."""
    @property
    def warnings(self) -> list[str]:
        """Warnings for the reader (unfinished or failed points, mixed inputs, figures)."""

def stdd(
    w12: float,
    w21: float,
    b1: float = 0.0,
    b2: float = 0.0,
    t_ref: int = 10,
    t_syn: float | None = None,
    t_max: int | None = None,
    psp: Psp = "rect",
    min_isi: MinIsi = "tref",
    window_a_plus: float = -1.0,
    window_a_minus: float = 1.0,
    window_tau_plus: float | None = None,
    window_tau_minus: float | None = None,
    simulate: bool = False,
    steps: int = 10000000,
    seed: int = 0,
    engine: Engine | None = None,
) -> Stdd:
    """The STDD p(Δ) of two reciprocally coupled stochastic neurons and its SAL values
    (``sal stdd``): exact, or with ``simulate=True`` estimated from ``steps`` steps.
    ``t_syn`` defaults to t_ref, ``t_max`` (T) to 3·t_ref, the window's τ± to t_ref.
    Raises ValueError naming an invalid parameter."""

def pair(
    w12: float = 1.5,
    w21: float = 0.5,
    b1: float = -0.5,
    b2: float = -0.2,
    t_ref: int = 25,
    t_syn: int | None = None,
    epochs: int = 1500,
    steps_per_epoch: int = 1500,
    lr: float = 0.03,
    history: int = 10,
    only_w21: bool = False,
    seed: int = 45,
) -> Trajectory:
    """Two coupled neurons whose weights learn with SAL (Fig 2d, ``sal pair``); the defaults
    are the paper's set-up. Returns the weights at the start and after every epoch."""

def phase_plane(
    w_min: float = -2.0,
    w_max: float = 2.0,
    n: int = 17,
    b1: float = 0.0,
    b2: float = 0.0,
    t_ref: int = 15,
    t_syn: float | None = None,
    t_max: int = 30,
    psp: Psp = "rect",
    min_isi: MinIsi = "tref",
    window_a_plus: float = -1.0,
    window_a_minus: float = 1.0,
    window_tau_plus: float | None = None,
    window_tau_minus: float | None = None,
) -> PhasePlane:
    """The SAL phase plane on ``linspace(w_min, w_max, n)``² (Fig 2e's grid by default, the
    same computation as ``sal figure fig2e``)."""

def run(
    config: PathLike | Mapping[str, Any],
    set: Overrides = None,
    init: PathLike | None = None,
    init_index: int = 0,
    out: PathLike | None = None,
    force: bool = False,
    engine: Engine | None = None,
    progress: ProgressArg = True,
    max_memory: float | None = None,
) -> Run:
    """Runs an experiment from a parameter file or a dict (``sal run``): in memory with
    ``out=None``, else into the run directory ``out`` exactly as ``sal run --out``.
    Raises ValueError naming an invalid key, FileExistsError for an existing ``out``
    without ``force``, KeyboardInterrupt on Ctrl-C (nothing partial is left)."""

def load_run(dir: PathLike) -> Run:
    """Loads a run directory (config.resolved.yaml, metrics.json, arrays.npz)."""

def sweep(
    file: PathLike,
    grid: Mapping[str, Sequence[Any]] | Sequence[str] | None = None,
    set: Overrides = None,
    paper: bool = False,
    seeds: int = 20,
    out: PathLike | None = None,
    jobs: int | None = None,
    shard: str | tuple[int, int] | None = None,
    engine: Engine | None = None,
    init_dir: PathLike | None = None,
    force: bool = False,
    max_memory: float | None = None,
    progress: ProgressArg = True,
) -> Sweep:
    """Runs a scenario over a grid of parameters, in parallel and resumably (``sal sweep``);
    ``out`` (the sweep directory) is required."""

def report(dir: PathLike, out: PathLike | None = None) -> Report:
    """Figures and tables of a sweep directory or a directory of sweeps (``sal report``)."""

def load_sweep(dir: PathLike, frame: bool | None = None) -> Any:
    """Every finished point × validation point as one long table (``long.csv`` of ``sal
    report``): a pandas DataFrame when pandas is installed (or ``frame=True``), else a dict
    of numpy arrays (``frame=False``)."""
