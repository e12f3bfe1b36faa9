//! ConvNet runs on burn's backends through the command line (`--set device=flex`, the
//! command line built with `--features burn`; `./test.sh` runs this file so): the reference's
//! float64 epoch replayed on it, and a SAL run whose numbers match the default backend's.
//! Built with `--features wgpu`, also the float32 replay on wgpu.
#![cfg(feature = "burn")]

mod common;
use common::{ok, params, replay_oracle_flex, sal, tmp};

/// The oracle replay of `convnet.rs` with `device=flex` (float64; burn's CPU kernels get
/// parameters to 1e-7 of the change instead of 1e-8: `Tolerance::FLOAT64_FLEX`).
#[test]
fn sal_run_on_flex_replays_the_reference_epoch() {
    replay_oracle_flex(&["device=flex"], "flex");
}

/// burn's GPU kernels through `sal run --set device=wgpu`, in float32 (wgpu has no float64),
/// with sal-deep's float32 tolerances. Built with `--features wgpu`; needs a Vulkan, Metal or
/// DX12 adapter (Mesa's software lavapipe will do: `apt install mesa-vulkan-drivers`).
#[cfg(feature = "wgpu")]
#[test]
fn sal_run_on_wgpu_is_close_to_the_reference_epoch() {
    common::replay_oracle_f32(&["device=wgpu"], "wgpu");
}

/// With no adapter to be found (Linux: the Vulkan loader and glvnd's EGL pointed at nothing),
/// `device=wgpu` is exit 2 naming `device` with the runtime's own reason, not a crash, and
/// nothing is written. Where an adapter is still found that way (an EGL without glvnd), the
/// one-epoch run succeeds and the check is reported as not applicable.
#[cfg(all(feature = "wgpu", target_os = "linux"))]
#[test]
fn wgpu_without_an_adapter_is_refused_by_name() {
    let dir = tmp("wgpu-none");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_sal"))
        .args([
            "run",
            &params("symm_net/exp_settings.yaml"),
            "--set",
            "method=fa",
            "--set",
            "device=wgpu",
            "--set",
            "params.n_epochs=1",
            "--out",
            dir.to_str().unwrap(),
            "--quiet",
        ])
        .env("VK_ICD_FILENAMES", "/nonexistent")
        .env("VK_DRIVER_FILES", "/nonexistent")
        .env("__EGL_VENDOR_LIBRARY_FILENAMES", "/nonexistent")
        .output()
        .unwrap();
    let e = String::from_utf8_lossy(&o.stderr);
    if o.status.success() {
        eprintln!("not applicable: this machine still has a wgpu adapter without Vulkan/glvnd");
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(
        e.contains("device") && e.contains("no usable device"),
        "{e}"
    );
    assert!(
        !e.contains("RecvError"),
        "the runtime's own reason, not its channel's: {e}"
    );
    assert_eq!(e.trim().lines().count(), 1, "one line: {e}");
    assert!(!dir.exists());
}

fn metrics(dir: &std::path::Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("metrics.json")).unwrap()).unwrap()
}

/// `method=sal` on the shipped digits, one epoch (a short SAL phase of 2 blocks, then the
/// training epoch), float64, on `cpu` and on `flex`: the SAL phase is the same code with the
/// same seed, the networks differ only in summation order, so every recorded scalar agrees
/// to 1e-9 relative (rounding differences through an epoch of 11 steps stay ≤ 1e-12 in the
/// library tests; a wrong feedback hand-over or a different initialisation would differ at
/// the percent level). `run.json` names the engine.
#[test]
fn a_sal_run_on_flex_gives_the_numbers_of_the_cpu_backend() {
    let run = |device: &str| {
        let dir = tmp(&format!("sal-{device}"));
        ok(&sal(
            &[
                "run",
                &params("symm_net/exp_settings.yaml"),
                "--set",
                "method=sal",
                "--set",
                "dataset=digits",
                "--set",
                "dtype=float64",
                "--set",
                "params.n_epochs=1",
                "--set",
                "sal_params.n_iterations=2",
                "--set",
                &format!("device={device}"),
                "--out",
                dir.to_str().unwrap(),
                "--quiet",
            ],
            None,
        ));
        dir
    };
    let (a, b) = (run("cpu"), run("flex"));
    let (ma, mb) = (metrics(&a), metrics(&b));
    let (sa, sb) = (
        ma["scalars"].as_object().unwrap(),
        mb["scalars"].as_object().unwrap(),
    );
    assert_eq!(sa.keys().collect::<Vec<_>>(), sb.keys().collect::<Vec<_>>());
    for (k, va) in sa {
        for (x, y) in va.as_array().unwrap().iter().zip(sb[k].as_array().unwrap()) {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            assert!(
                (x - y).abs() <= 1e-9 * x.abs().max(1e-3),
                "{k}: cpu {x} flex {y}"
            );
        }
    }
    let engine = |d: &std::path::Path| {
        let r: serde_json::Value =
            serde_json::from_slice(&std::fs::read(d.join("run.json")).unwrap()).unwrap();
        r["engine"].as_str().unwrap().to_string()
    };
    assert_eq!(engine(&b), "burn flex");
    assert!(engine(&a).starts_with("cpu"));
    // the GPU backends this build lacks are refused by name, nothing written
    if !cfg!(feature = "cuda") {
        let dir = tmp("no-cuda");
        let o = sal(
            &[
                "run",
                &params("symm_net/exp_settings.yaml"),
                "--set",
                "method=fa",
                "--set",
                "device=cuda",
                "--out",
                dir.to_str().unwrap(),
            ],
            None,
        );
        assert_eq!(o.status.code(), Some(2));
        let e = String::from_utf8_lossy(&o.stderr);
        assert!(
            e.contains("device") && e.contains("cargo feature `cuda`"),
            "{e}"
        );
        assert!(!e.contains("device: device"), "the key once: {e}");
        assert!(!dir.exists());
    }
    for d in [a, b] {
        let _ = std::fs::remove_dir_all(d);
    }
}
