//! The workspace's layering (issue: one experiments layer shared by the CLI and Python):
//! each crate depends only on the crates below it, and no crate has a module cycle.
//!
//! Modules are files (`a/b.rs` and `a/b/mod.rs` are module `a::b`). Module A depends on B
//! when A's code names an item of B through a `crate::…` or `super::…` path; `mod`
//! declarations and `pub use` re-exports are namespace plumbing, not dependencies.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The layers, bottom first; the two front ends (the binary and the Python package) are the
/// top layer together: neither depends on the other.
const LAYERS: [&str; 7] = [
    "sal",
    "sal-deep",
    "sal-deep-burn",
    "sal-experiments",
    "sal-plot",
    "sal-cli",
    "sal-py",
];

/// Crates on the same layer as the one before them in [`LAYERS`].
const SAME_LAYER: [&str; 1] = ["sal-py"];

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// Module dependency edges of one crate.
fn edges(krate: &str) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let src = workspace().join("crates").join(krate).join("src");
    let mut files = Vec::new();
    rs_files(&src, &mut files);
    let mods: BTreeMap<Vec<String>, PathBuf> = files
        .iter()
        .map(|f| (module_of(&src, f), f.clone()))
        .collect();
    let mut g = BTreeMap::new();
    for (m, f) in &mods {
        let text = std::fs::read_to_string(f).unwrap();
        // unit tests live inside the module they test
        let code = text.split("#[cfg(test)]\nmod tests {").next().unwrap();
        let mut out = BTreeSet::new();
        for line in code.lines() {
            let s = line.trim();
            if s.starts_with("//")
                || s.starts_with("pub use")
                || s.starts_with("mod ")
                || s.starts_with("pub mod ")
                || s.starts_with("pub(crate) mod ")
            {
                continue;
            }
            for (start, _) in s.match_indices("crate::").chain(s.match_indices("super::")) {
                let prev = s[..start].chars().last();
                if prev.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                    continue; // e.g. `sal_crate::` or the tail of `super::super::`
                }
                let path: String = s[start..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                    .collect();
                let mut segs: Vec<&str> = path.split("::").filter(|x| !x.is_empty()).collect();
                let mut base: Vec<String> = if segs[0] == "crate" {
                    segs.remove(0);
                    Vec::new()
                } else {
                    let mut b = m.clone();
                    while segs.first() == Some(&"super") {
                        segs.remove(0);
                        b.pop();
                    }
                    b
                };
                let mut target = None;
                for s in segs {
                    base.push(s.to_string());
                    if mods.contains_key(&base) {
                        target = Some(base.clone());
                    } else {
                        break;
                    }
                }
                let target = target.unwrap_or_else(|| {
                    base.truncate(base.len().saturating_sub(1));
                    base.clone()
                });
                if &target != m && mods.contains_key(&target) {
                    out.insert(target);
                }
            }
        }
        g.insert(m.clone(), out);
    }
    g
}

/// Strongly connected components with more than one module (Tarjan).
fn cycles(g: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Vec<Vec<String>> {
    struct T<'a> {
        g: &'a BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        index: BTreeMap<&'a Vec<String>, usize>,
        low: BTreeMap<&'a Vec<String>, usize>,
        stack: Vec<&'a Vec<String>>,
        on: BTreeSet<&'a Vec<String>>,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a Vec<String>) {
        let i = t.index.len();
        t.index.insert(v, i);
        t.low.insert(v, i);
        t.stack.push(v);
        t.on.insert(v);
        for w in &t.g[v] {
            if !t.index.contains_key(w) {
                visit(t, w);
                let lw = t.low[w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if t.on.contains(w) {
                let iw = t.index[w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if t.low[v] == t.index[v] {
            let mut comp = Vec::new();
            loop {
                let w = t.stack.pop().unwrap();
                t.on.remove(w);
                comp.push(if w.is_empty() {
                    "crate".into()
                } else {
                    w.join("::")
                });
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                t.out.push(comp);
            }
        }
    }
    let mut t = T {
        g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in g.keys() {
        if !t.index.contains_key(v) {
            visit(&mut t, v);
        }
    }
    t.out
}

#[test]
fn no_module_cycles_in_any_crate() {
    for krate in LAYERS {
        let g = edges(krate);
        assert!(g.len() > 3, "{krate}: modules found");
        let c = cycles(&g);
        assert!(c.is_empty(), "{krate}: module cycles {c:?}");
    }
    // the checker finds a planted cycle
    let mut g = edges("sal-experiments");
    let a = vec!["sweep".to_string()];
    let b = vec!["experiment".to_string()];
    g.get_mut(&b).unwrap().insert(a.clone());
    assert!(g[&a].contains(&b), "sweep uses experiment");
    assert_eq!(cycles(&g).len(), 1);
}

#[test]
fn each_crate_depends_only_on_crates_below_it() {
    for (k, krate) in LAYERS.iter().enumerate() {
        let toml =
            std::fs::read_to_string(workspace().join("crates").join(krate).join("Cargo.toml"))
                .unwrap();
        let deps = toml
            .split("[dependencies]")
            .nth(1)
            .map(|s| s.split("\n[").next().unwrap())
            .unwrap_or("");
        let used: BTreeSet<&str> = deps
            .lines()
            .filter_map(|l| l.split(['=', '.', ' ']).next())
            .filter(|n| n.starts_with("sal"))
            .collect();
        for u in &used {
            let pos = LAYERS
                .iter()
                .position(|l| l == u)
                .expect("a workspace crate");
            let top = if SAME_LAYER.contains(krate) { k - 1 } else { k };
            assert!(pos < top, "{krate} depends on {u}, which is not below it");
        }
        // burn is reached only through the optional sal-deep-burn (cargo feature `burn`):
        // the CPU build of the experiments and the command line needs none of it
        for line in deps.lines().filter(|l| l.starts_with("sal-deep-burn")) {
            assert!(line.contains("optional = true"), "{krate}: {line}");
        }
        if ["sal", "sal-deep", "sal-experiments", "sal-cli"].contains(krate) {
            assert!(
                !deps.lines().any(|l| l.starts_with("burn")),
                "{krate} depends on burn directly"
            );
        }
        if *krate == "sal" {
            for heavy in ["burn", "pyo3", "plotters", "clap", "serde_norway"] {
                assert!(
                    !deps.contains(heavy),
                    "the science crate stays light: {heavy}"
                );
            }
        }
    }
}
