#!/usr/bin/env python3
"""Measure the Python reference's sampler and write `reference.json` for `sal bench`.

Times the reference's Numba simulator M1, `neuralsampling.network.sim_poisson_neurons`
(rect kernel, K = 10 stored spikes, the call every sampling experiment makes), on the
networks of `sal bench`'s rows with a reference figure, and records the medians together
with their provenance (date, host, CPU model, reference commit, Python/NumPy/Numba
versions, load average, method).

It needs the reference installed; it does not install or fetch anything and is not part
of CI. On a machine of your own, e.g.:

    python3 -m venv /tmp/venv-ref
    /tmp/venv-ref/bin/pip install "numpy==2.1.*" "numba==0.61.*" matplotlib pyyaml
    git clone https://github.com/unibe-cns/sal-code /tmp/sal-code
    /tmp/venv-ref/bin/pip install /tmp/sal-code/spiking_sampling_network
    /tmp/venv-ref/bin/python crates/sal-cli/bench/measure_reference.py \
        --commit "$(git -C /tmp/sal-code rev-parse HEAD)" \
        --out crates/sal-cli/bench/reference.json

then `sal bench --reference crates/sal-cli/bench/reference.json` (or rebuild: the file is
embedded in the binary). Measure on a quiet machine: the script prints the load average
before and after and stores it; repeat when it is high.

Networks (the same as `sal bench`'s rows; weights W[post][pre]):
  sampler_7       7 neurons, t_ref = tau_syn = 50: W*, b* of the paper's minimal working
                  example (`--initial-conditions`, the reference's own draw
                  `ssn_minimal_working_example_initial_conditions.json`), else a
                  symmetric W*, b* ~ U(-1, 1) (the same distribution, 2 Beta(1, 1) - 1)
                  drawn with NumPy seed 4242.
  sampler_2       W = [[0, 1.5], [0.5, 0]], b = (-0.5, -0.2), t_ref = tau_syn = 50.
  two_neuron_sim  the same pair with t_ref = tau_syn = 25 (Fig 2d).
Method: one warm-up call (JIT compilation), then `--repeats` timed calls of `--steps`
steps each, timed twice: thread CPU time (time.thread_time, insensitive to other processes
on a shared machine) and wall time (time.perf_counter). `steps_per_s` is the median over
the calls of steps / CPU time (what `sal bench` divides by: it times its own thread the same
way); the wall-time median and the min and max are stored beside it. On a quiet machine the
two agree.

The 7-neuron network's W* and b* are stored in the file (`w`, `b`), so that `sal bench`
simulates exactly the network the reference was timed on.

Reference figures that this script does not measure (the analytic STDD, a training
iteration, the microcircuit) are kept from an existing `--out` file's `quoted` list.
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
import time

import numpy as np


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def load_avg():
    try:
        return list(os.getloadavg())
    except OSError:
        return None


def networks(ic_path):
    if ic_path:
        with open(ic_path) as f:
            ic = json.load(f)
        w7 = np.array(ic["w_target"], dtype=float)
        b7 = np.array(ic["b_target"], dtype=float)
        src7 = f"W*, b* of {os.path.basename(ic_path)}"
    else:
        rng = np.random.default_rng(4242)
        a = 2.0 * rng.beta(1.0, 1.0, size=(7, 7)) - 1.0
        w7 = np.triu(a, 1) + np.triu(a, 1).T
        b7 = 2.0 * rng.beta(1.0, 1.0, size=7) - 1.0
        src7 = "symmetric W*, b* ~ 2 Beta(1, 1) - 1, NumPy seed 4242"
    pair_w = np.array([[0.0, 1.5], [0.5, 0.0]])
    pair_b = np.array([-0.5, -0.2])
    return [
        ("sampler_7", w7, b7, 50, src7),
        ("sampler_2", pair_w, pair_b, 50, "W = [[0, 1.5], [0.5, 0]], b = (-0.5, -0.2)"),
        ("two_neuron_sim", pair_w, pair_b, 25, "Fig 2d pair, W = [[0, 1.5], [0.5, 0]], b = (-0.5, -0.2)"),
    ]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=2_000_000, help="steps per timed call")
    ap.add_argument("--repeats", type=int, default=7, help="timed calls per network")
    ap.add_argument("--initial-conditions", help="JSON with w_target, b_target (7 neurons)")
    ap.add_argument("--commit", default="unknown", help="commit of the installed reference")
    ap.add_argument("--source-note", default="",
                    help="how the installed reference relates to the commit (e.g. file hashes)")
    ap.add_argument("--machine", default=platform.node(), help="machine description")
    ap.add_argument("--note", default="", help="free text stored with the figures")
    ap.add_argument("--out", help="write the JSON here (default: stdout)")
    args = ap.parse_args()

    import numba
    from neuralsampling.network import rect_kernel, sim_poisson_neurons

    quoted = []
    if args.out and os.path.exists(args.out):
        with open(args.out) as f:
            quoted = json.load(f).get("quoted", [])

    load_before = load_avg()
    rows = []
    for name, w, b, t_ref, what in networks(args.initial_conditions):
        # Warm-up: compiles the function for these argument types.
        sim_poisson_neurons(10_000, rect_kernel, b, w, t_ref, t_ref)
        rates, wall_rates, spikes = [], [], 0
        for _ in range(args.repeats):
            c0, t0 = time.thread_time(), time.perf_counter()
            out = sim_poisson_neurons(args.steps, rect_kernel, b, w, t_ref, t_ref)
            dt, dc = time.perf_counter() - t0, time.thread_time() - c0
            rates.append(args.steps / dc)
            wall_rates.append(args.steps / dt)
            spikes += len(out)
        med = statistics.median(rates)
        row = {
            "name": name,
            "neurons": len(b),
            "t_ref": t_ref,
            "tau_syn": t_ref,
            "network": what,
            "steps_per_s": med,
            "steps_per_s_min": min(rates),
            "steps_per_s_max": max(rates),
            "steps_per_s_wall": statistics.median(wall_rates),
            "spikes_per_step": spikes / (args.steps * args.repeats),
            "steps_per_call": args.steps,
            "repeats": args.repeats,
        }
        if name == "sampler_7":
            row["w"] = w.tolist()
            row["b"] = b.tolist()
        rows.append(row)
        print(f"{name:<16} {med / 1e6:7.3f} M steps/s CPU (min {min(rates) / 1e6:.3f}, "
              f"max {max(rates) / 1e6:.3f}; wall {row['steps_per_s_wall'] / 1e6:.3f}), "
              f"{row['spikes_per_step']:.4f} spikes/step", file=sys.stderr)
    load_after = load_avg()
    print(f"load average before {load_before}, after {load_after}", file=sys.stderr)

    doc = {
        "date": datetime.date.today().isoformat(),
        "machine": args.machine,
        "cpu": cpu_model(),
        "logical_cpus": os.cpu_count(),
        "reference": "unibe-cns/sal-code, package neuralsampling (spiking_sampling_network)",
        "reference_commit": args.commit,
        "reference_source_note": args.source_note,
        "function": "neuralsampling.network.sim_poisson_neurons(t_max, rect_kernel, b, W, t_ref, tau_syn)",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "method": (f"one warm-up call (JIT), then {args.repeats} timed calls of {args.steps} "
                   "steps; steps_per_s = median of steps / thread CPU time (time.thread_time), "
                   "steps_per_s_wall = median of steps / wall time; "
                   "crates/sal-cli/bench/measure_reference.py"),
        "load_average_before": load_before,
        "load_average_after": load_after,
        "note": args.note,
        "simulations": rows,
        "quoted": quoted,
    }
    text = json.dumps(doc, indent=2) + "\n"
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
