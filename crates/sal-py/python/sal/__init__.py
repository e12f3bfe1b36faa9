"""sal — spike-based alignment learning (SAL) from Python.

Exact spike-timing-difference distributions (STDDs) of coupled stochastic neurons, the
two-neuron SAL experiment, SAL phase planes, and the paper's experiments (spiking sampling
networks, cortical microcircuits) from the reference's own parameter files: runs, sweeps and
reports, with numpy arrays out. Every function calls the same Rust code as the ``sal``
command line (``sal stdd``, ``sal pair``, ``sal run``, ``sal sweep``, ``sal report``), so
the two give the same numbers for the same seed.

Conventions: weights are indexed [post][pre] (``w12`` is the synapse 2 → 1); time is in
steps (the paper's axes use 1 t_ref = 10 ms); lags Δ = t_1 − t_2.

>>> import sal
>>> s = sal.stdd(w12=0.5, w21=-0.5, t_ref=10, t_max=30)
>>> s.lags.shape, s.sal_12 < 0 < s.sal_21
((59,), True)

Long calls (``run``, ``sweep``, ``stdd(simulate=True)``, ``pair``) release the GIL, show a
tqdm bar when tqdm is installed (or call ``progress(done, total)``), and turn Ctrl-C into
``KeyboardInterrupt`` within about a second, leaving no partial output.
"""

from sal._sal import (
    NonFiniteError,
    PhasePlane,
    Report,
    Run,
    SalError,
    Stdd,
    Sweep,
    Trajectory,
    __version__,
    load_run,
    load_sweep,
    pair,
    phase_plane,
    report,
    run,
    stdd,
    sweep,
)

__all__ = [
    "NonFiniteError",
    "PhasePlane",
    "Report",
    "Run",
    "SalError",
    "Stdd",
    "Sweep",
    "Trajectory",
    "__version__",
    "load_run",
    "load_sweep",
    "pair",
    "phase_plane",
    "report",
    "run",
    "stdd",
    "sweep",
]
