//! The committed figures (`docs/figures/**`) checked from their own layout files
//! (`<stem>.layout.json`, written by the plot kit next to every PNG): every log axis labels at
//! least three ticks, no legend covers a drawn mark, every panel of a multi-panel figure has
//! a letter, and the kit found no problem. A committed PNG without its layout file fails:
//! regenerate it with the commands in `docs/figures/README.md`.

use std::path::{Path, PathBuf};

fn pngs(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            pngs(&p, out);
        } else if p.extension().is_some_and(|x| x == "png") {
            out.push(p);
        }
    }
}

#[test]
fn committed_figures_pass_the_kit_checks() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/figures");
    let mut files = Vec::new();
    pngs(&root, &mut files);
    files.sort();
    assert!(files.len() >= 10, "found only {files:?}");
    let mut log_axes = 0;
    for png in &files {
        let layout = png.with_extension("layout.json");
        let text = std::fs::read_to_string(&layout)
            .unwrap_or_else(|e| panic!("{}: no layout file ({e})", png.display()));
        let v: serde_json::Value = serde_json::from_str(&text).expect("layout parses");
        let name = png.strip_prefix(&root).unwrap().display().to_string();
        assert_eq!(v["problems"], serde_json::json!([]), "{name}");
        let panels = v["panels"].as_array().expect("panels");
        for p in panels {
            let what = format!("{name}, panel {}", p["index"]);
            for axis in ["x", "y", "top"] {
                let a = &p[axis];
                if a.is_null() || a["log"] != true {
                    continue;
                }
                log_axes += 1;
                let labels = a["labels"].as_array().unwrap();
                assert!(
                    labels.len() >= 3,
                    "{what}: log {axis} axis has {} labelled ticks: {labels:?}",
                    labels.len()
                );
            }
            if let Some(l) = p["legend"].as_object() {
                assert_eq!(l["marks_under"], 0, "{what}: legend over data");
            }
            if panels.len() > 1 {
                assert!(p["tag"].is_string(), "{what}: no panel letter");
            }
        }
    }
    assert!(log_axes >= 20, "only {log_axes} log axes checked");
}
