//! The discrete-time conventions that distinguish the reference's simulators.
//!
//! The reference has four simulators that differ only in off-by-one choices (spec `models.md`
//! table). Here they are one model with an explicit [`Conventions`] value. Both the
//! simulators and the analytic STDD calculator take it, so an oracle and the simulation it
//! checks always agree on who may spike when.
//!
//! Time is counted in integer steps. For a spike of neuron j at step `s`, the spike decision
//! of another neuron at step `t` sees the PSP value κ(t − s − psp_delay) (lag in steps);
//! neuron j itself may fire again at the earliest at step `s + min_isi`.

/// Minimum inter-spike interval of a neuron, relative to the refractory period t_ref.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MinIsi {
    /// Earliest next spike at `s + t_ref` (analytic calculator M2, microcircuits M3).
    TRef,
    /// Earliest next spike at `s + t_ref + 1` (sampler M1, SALNet M4).
    TRefPlus1,
}

impl MinIsi {
    /// The minimum inter-spike interval in steps for refractory period `t_ref` (steps).
    pub fn steps(self, t_ref: usize) -> usize {
        match self {
            MinIsi::TRef => t_ref,
            MinIsi::TRefPlus1 => t_ref + 1,
        }
    }

    /// Parses the command-line spelling `tref` / `tref+1`.
    pub fn parse(s: &str) -> Option<MinIsi> {
        match s {
            "tref" => Some(MinIsi::TRef),
            "tref+1" => Some(MinIsi::TRefPlus1),
            _ => None,
        }
    }

    /// The command-line spelling.
    pub fn name(self) -> &'static str {
        match self {
            MinIsi::TRef => "tref",
            MinIsi::TRefPlus1 => "tref+1",
        }
    }
}

/// One explicit set of discrete-time conventions (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Conventions {
    /// Refractoriness: minimum inter-spike interval.
    pub min_isi: MinIsi,
    /// Extra delay (steps) between a spike and the PSP argument seen by spike decisions:
    /// a decision at step `t` uses κ(t − s − psp_delay). 0 for M1/M2 (the PSP argument is
    /// the lag itself, ≥ 1); 1 for M3/M4, whose membranes include the spike's own step
    /// (κ(0)) and act on the next step's decision.
    pub psp_delay: usize,
}

impl Conventions {
    /// Simulator M1 (`sim_poisson_neurons`): sampling networks (Fig 4/5), two-neuron SAL
    /// (Fig 2d), E–I system (Fig 10). Minimum ISI t_ref + 1; a rect PSP of length τ_syn is
    /// seen by decisions at lags 1 … τ_syn − 1.
    pub const SAMPLER_M1: Conventions = Conventions {
        min_isi: MinIsi::TRefPlus1,
        psp_delay: 0,
    };
    /// The analytic Markov chain M2 (STDD calculator, Fig 2c/2e/11/12). Minimum ISI t_ref;
    /// PSP argument = lag (≥ 1).
    pub const ANALYTIC_M2: Conventions = Conventions {
        min_isi: MinIsi::TRef,
        psp_delay: 0,
    };
    /// Microcircuit layers M3 (Fig 6). Minimum ISI t_ref; the PSP includes the spike's own
    /// step and acts one step later.
    pub const MICROCIRCUIT_M3: Conventions = Conventions {
        min_isi: MinIsi::TRef,
        psp_delay: 1,
    };
    /// SALNet GLM layers M4 (Fig 7–9). Minimum ISI t_ref + 1; PSP slots 0 … τ_syn − 1 act at
    /// lags 1 … τ_syn.
    pub const SALNET_M4: Conventions = Conventions {
        min_isi: MinIsi::TRefPlus1,
        psp_delay: 1,
    };

    /// The analytic calculator's conventions with another refractoriness (to check the
    /// sampler's t_ref + 1 against the oracle).
    pub fn analytic_with(min_isi: MinIsi) -> Conventions {
        Conventions {
            min_isi,
            psp_delay: 0,
        }
    }
}

impl Default for Conventions {
    /// The analytic calculator's conventions (M2).
    fn default() -> Self {
        Conventions::ANALYTIC_M2
    }
}
