//! `sal figure`: the paper's figures as PNG + SVG, with their data as .npz and JSON.

use clap::{Args, ValueEnum};
use sal_experiments::error::Result;
use sal_experiments::out::{OutDir, Sort};
use sal_plot::figures;
use std::path::PathBuf;
use std::time::Instant;

/// Which figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Which {
    /// STDDs of an excitatory and an inhibitory pair, asymmetric vs symmetric (analytic).
    Fig2c,
    /// Two-neuron SAL weight evolution, both synapses vs only W10 plastic (simulated).
    Fig2d,
    /// SAL phase plane with attractor line and the Fig 2d trajectories (analytic).
    Fig2e,
    /// Dale's law: SAL phase plane of the E–I system in effective weights, rate check (simulated).
    Fig10,
    /// PSP shapes: kernels, STDDs, attractor lines, deviation maps (analytic).
    Fig11,
    /// Linear response of the STDD to an asymmetric perturbation (analytic).
    Fig12,
    /// SAL vs STDWI vs RDD on one 50 → 50 layer from the seed-43 matrices, 100 s each
    /// (simulated; `fig7.json` with the curves; not part of `all`).
    Fig7,
    /// SALNet symmetrisation: angle and correlation of W and B per layer over 100 epochs,
    /// W-vs-B scatter at epochs 0, 50, 100 (simulated, 10⁶ steps; writes the run's
    /// `metrics.json` with the reference's `symm/*/k` scalars; not part of `all`).
    Fig9,
    /// All of the above except fig7 and fig9.
    All,
}

/// Draw a figure of the paper into an output directory: `<name>.png`, `<name>.svg`,
/// `<name>.npz` (arrays for NumPy) and `<name>.json` (the same data), plus `manifest.json`.
#[derive(Args, Debug, Clone)]
pub struct FigureArgs {
    /// The figure.
    #[arg(value_enum)]
    pub which: Which,
    /// Output directory (must not exist unless --force).
    #[arg(long)]
    pub out: PathBuf,
    /// Replace an existing output directory.
    #[arg(long)]
    pub force: bool,
    /// Master seed of the simulated panels (Fig 2d and its overlay in Fig 2e, Fig 9's weights
    /// and spikes, the SAL part of Fig 7).
    #[arg(long, default_value_t = 45)]
    pub seed: u64,
}

/// Runs `sal figure`.
pub fn run(args: FigureArgs) -> Result<()> {
    let dir = OutDir::create(&args.out, args.force, Sort::Figures, &[])?;
    let list: Vec<Which> = if args.which == Which::All {
        vec![
            Which::Fig2c,
            Which::Fig2d,
            Which::Fig2e,
            Which::Fig10,
            Which::Fig11,
            Which::Fig12,
        ]
    } else {
        vec![args.which]
    };
    let mut made = Vec::new();
    for w in list {
        let t = Instant::now();
        let name = match w {
            Which::Fig2c => figures::fig2c(&dir)?,
            Which::Fig2d => figures::fig2d(&dir, args.seed)?,
            Which::Fig2e => figures::fig2e(&dir, args.seed)?,
            Which::Fig10 => figures::fig10(&dir, args.seed)?,
            Which::Fig11 => figures::fig11(&dir)?,
            Which::Fig12 => figures::fig12(&dir)?,
            Which::Fig7 => {
                let term = crate::progress::Term { quiet: false };
                let ctx = sal_experiments::progress::Ctx::new(&term, crate::stop());
                figures::fig7::fig7(&dir, args.seed, &ctx)?
            }
            Which::Fig9 => {
                let term = crate::progress::Term { quiet: false };
                let ctx = sal_experiments::progress::Ctx::new(&term, crate::stop());
                figures::salnet::fig9(&dir, args.seed, &ctx)?
            }
            Which::All => unreachable!("expanded above"),
        };
        eprintln!("{name}: done in {:.2} s", t.elapsed().as_secs_f64());
        crate::stop().check()?;
        made.push(name);
    }
    dir.json(
        "manifest.json",
        &serde_json::json!({
            "tool": "sal",
            "version": env!("CARGO_PKG_VERSION"),
            "command": std::env::args().collect::<Vec<_>>(),
            "figures": made,
            "seed": args.seed,
        }),
    )?;
    let dest = dir.finish()?;
    eprintln!("wrote {}", dest.display());
    Ok(())
}
