"""Generates numpy_vectors.json: NumPy's own draws for the generators that Fig 7 replays.

Run with NumPy 2.1.3 (the version of spec/params/derived):
    python3 -m venv /tmp/venv-salnet && /tmp/venv-salnet/bin/pip install numpy==2.1.3
    /tmp/venv-salnet/bin/python crates/sal/tests/data/gen_numpy_vectors.py \
        > crates/sal/tests/data/numpy_vectors.json
Only NumPy's generators are called; nothing here is computed by the crate under test.
"""
import json

import numpy as np

out = {"numpy_version": np.__version__}

# Legacy RandomState (MT19937 seeded with an int): raw 32-bit outputs and rand().
for seed in (42, 44, 93):
    raw = np.random.RandomState(seed)._bit_generator.random_raw(5)
    out[f"randomstate_{seed}_raw32"] = [int(x) for x in raw]
    out[f"randomstate_{seed}_rand10"] = np.random.RandomState(seed).rand(10).tolist()

# STDWI active-period sampling: a fresh RandomState(42) permutes, for every period in
# order, the float column [1]*10 + [0]*40 (deep.md §4.3 step 2).
r = np.random.RandomState(42)
col = np.zeros(50)
col[:10] = 1
perms = [r.permutation(col) for _ in range(3)]
out["stdwi_active_periods_0_1_2"] = [[int(v) for v in p] for p in perms]
# permutation of an int range too (same shuffle, other dtype)
out["randomstate_7_permutation_20"] = np.random.RandomState(7).permutation(20).tolist()

# STDWI source 0: RandomState(44).rand(400000) < 0.05 → spike steps (first 30, count).
u = np.random.RandomState(44).rand(400_000)
steps = np.where(u < 0.05)[0]
out["stdwi_source0_first30_steps"] = steps[:30].tolist()
out["stdwi_source0_count"] = int(steps.size)

# Fig 7 RDD drive: default_rng(44): choice(50, 10, replace=False) before the loop; per
# step i: if (i+1) % 100 == 0 a new choice, then poisson(rates) with rate 0.2 on the subset.
g = np.random.default_rng(44)
subset = g.choice(50, 10, replace=False)
subsets = [subset.tolist()]
counts = []
for i in range(300):
    if (i + 1) % 100 == 0:
        subset = g.choice(50, 10, replace=False)
        subsets.append(subset.tolist())
    rates = np.zeros(50)
    rates[subset] = 0.2
    counts.append(g.poisson(rates).tolist())
out["fig7_rdd_subsets"] = subsets
out["fig7_rdd_poisson_counts_300_steps"] = counts

# Larger choices (Floyd's algorithm + shuffle) and Poisson with other rates.
g = np.random.default_rng(5)
out["default_rng_5_choice_1600_320"] = g.choice(1600, 320, replace=False).tolist()
out["default_rng_5_then_choice_7_7"] = g.choice(7, 7, replace=False).tolist()
out["default_rng_5_then_poisson_3_5_x20"] = g.poisson(3.5, 20).tolist()
out["default_rng_5_then_poisson_0_2_x50"] = g.poisson(0.2, 50).tolist()
out["default_rng_5_then_poisson_25_x30"] = g.poisson(25.0, 30).tolist()
out["default_rng_5_then_random"] = g.random()

print(json.dumps(out))
