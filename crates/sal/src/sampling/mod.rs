//! Spiking sampling networks (Fig 4, 5): spiking neurons that sample from Boltzmann
//! distributions, trained with Hebbian STDP towards a target and symmetrised with SAL.
//!
//! * [`boltzmann`] — exact Boltzmann machines: distribution, coactivations, D_KL.
//! * [`states`] — spike trains → binary states on the t_ref/2 grid, streamed.
//! * [`init`] — random targets, initial weights and noisy STDP amplitudes.
//! * [`training`] — the wake–sleep training loop (protocols v2 and v3, Kolen–Pollack).

pub mod boltzmann;
pub mod init;
pub mod states;
pub mod training;
