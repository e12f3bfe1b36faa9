//! Rendering tests: every element type, output files, PNG size, errors.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;

/// A fresh, unique directory under the system temp dir.
fn temp_dir(name: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!(
        "sal-plot-{name}-{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// Removes a test's directory, unless SAL_PLOT_KEEP is set (to look at the
/// figures).
fn cleanup(dir: &Path, png: &Path) {
    if std::env::var_os("SAL_PLOT_KEEP").is_some() {
        eprintln!("kept {}", png.display());
    } else {
        std::fs::remove_dir_all(dir).ok();
    }
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).expect("read png");
    assert!(bytes.len() > 24, "PNG too short");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR", "first chunk is IHDR");
    let w = u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
    let h = u32::from_be_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]);
    (w, h)
}

fn linspace(a: f64, b: f64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| a + (b - a) * i as f64 / (n - 1) as f64)
        .collect()
}

/// A 2x2 figure using every element type.
fn full_figure() -> Figure {
    let x = linspace(0.0, 10.0, 60);
    let y: Vec<f64> = x.iter().map(|v| (v * 0.7).sin()).collect();
    let mut gapped = y.clone();
    gapped[20] = f64::NAN;
    let lines = Panel {
        title: Some("Lines".into()),
        tag: Some("A".into()),
        x_label: "time (ms)".into(),
        y_label: "w".into(),
        series: vec![
            Series::Line {
                x: x.clone(),
                y: gapped,
                style: Style::new(palette(0)),
                label: Some("mean".into()),
            },
            Series::Line {
                x: x.clone(),
                y: y.iter().map(|v| v * 0.5).collect(),
                style: Style::new(palette(1)).dashed().alpha(0.8),
                label: Some("half".into()),
            },
            Series::Scatter {
                x: x.clone(),
                y: y.iter().map(|v| v + 0.1).collect(),
                style: Style::new(palette(2)),
                size: 4,
                label: Some("samples".into()),
            },
        ],
        bands: vec![Band {
            x: x.clone(),
            lower: y.iter().map(|v| v - 0.2).collect(),
            upper: y.iter().map(|v| v + 0.2).collect(),
            color: palette(0),
            alpha: 0.2,
            label: Some("IQR".into()),
        }],
        hlines: vec![RefLine {
            at: 0.0,
            style: Style::new(Rgb::GREY).width(1).dashed(),
            label: None,
        }],
        vlines: vec![RefLine {
            at: 5.0,
            style: Style::new(Rgb::BLACK).width(1),
            label: Some("switch".into()),
        }],
        legend: Some(LegendPos::Best),
        x_ticks: Some(vec![(0.0, "0".into()), (5.0, "t_ref".into())]),
        secondary_x: Some(SecondaryAxis {
            label: "t / t_ref".into(),
            scale: 0.2,
        }),
        ..Default::default()
    };
    let edges = linspace(0.0, 5.0, 11);
    let counts: Vec<f64> = (0..10).map(|i| 1000.0 * 0.5f64.powi(i)).collect();
    let centres: Vec<f64> = edges.windows(2).map(|w| (w[0] + w[1]) / 2.0).collect();
    let mut with_zero = counts.clone();
    with_zero[9] = 0.0; // skipped on the log axis
    let hist = Panel {
        title: Some("Histogram".into()),
        x_label: "ISI".into(),
        y_label: "count".into(),
        log_y: true,
        series: vec![
            Series::Bars {
                x: centres.clone(),
                y: with_zero,
                width: 0.5,
                style: Style::new(palette(3)).alpha(0.5).width(1),
                label: Some("sim".into()),
            },
            Series::Step {
                edges,
                y: counts,
                style: Style::new(palette(4)),
                label: Some("theory".into()),
            },
        ],
        legend: Some(LegendPos::UpperRight),
        grid: true,
        ..Default::default()
    };
    let g = linspace(-1.0, 1.0, 9);
    let mut values = Vec::new();
    let mut arrows = Vec::new();
    for &yy in &g {
        for &xx in &g {
            values.push(xx * yy);
            arrows.push(Arrow {
                x: xx,
                y: yy,
                dx: yy,
                dy: -xx,
            });
        }
    }
    let heat = |smooth: bool, colormap: Colormap| Panel {
        title: Some(format!("Heatmap smooth={smooth}")),
        x_label: "w₁".into(),
        y_label: "w₂".into(),
        heatmap: Some(Heatmap {
            colormap,
            colorbar_label: Some("value".into()),
            smooth,
            ..Heatmap::new(g.clone(), g.clone(), values.clone())
        }),
        arrows: arrows.clone(),
        legend: Some(LegendPos::LowerLeft),
        ..Default::default()
    };
    Figure {
        title: Some("Test figure".into()),
        rows: 2,
        cols: 2,
        panel_width: 320,
        panel_height: 240,
        panels: vec![
            lines,
            hist,
            heat(false, Colormap::Coolwarm),
            heat(true, Colormap::Magma),
        ],
        ..Default::default()
    }
}

#[test]
fn renders_png_and_svg_with_every_element() {
    let dir = temp_dir("full");
    let fig = full_figure();
    let paths = render(&fig, &dir.join("figure")).expect("render");
    assert_eq!(paths, vec![dir.join("figure.png"), dir.join("figure.svg")]);
    for p in &paths {
        let meta = std::fs::metadata(p).expect("output exists");
        assert!(meta.len() > 1000, "{} is too small", p.display());
    }
    let (w, h) = fig.pixel_size();
    assert_eq!(w, 640);
    assert!(h > 480, "title band adds height");
    assert_eq!(png_size(&paths[0]), (w, h));
    let svg = std::fs::read_to_string(&paths[1]).expect("read svg");
    assert!(svg.starts_with("<svg"));
    assert!(svg.contains(&format!("width=\"{w}\" height=\"{h}\"")));
    assert!(svg.contains("Histogram"));
    cleanup(&dir, &paths[0]);
}

#[test]
fn dpi_scale_multiplies_png_size_only() {
    let dir = temp_dir("dpi");
    let fig = Figure {
        dpi_scale: 2.0,
        panels: vec![Panel {
            series: vec![Series::Line {
                x: vec![1.0, 2.0, 3.0],
                y: vec![1.0, 4.0, 9.0],
                style: Style::default(),
                label: None,
            }],
            ..Default::default()
        }],
        ..Default::default()
    };
    let paths = render(&fig, &dir.join("nested/dir/one")).expect("render");
    assert_eq!(png_size(&paths[0]), (960, 720));
    let svg = std::fs::read_to_string(&paths[1]).expect("read svg");
    assert!(svg.contains("width=\"480\" height=\"360\""));
    std::fs::remove_dir_all(&dir).ok();
}

fn one_panel(panel: Panel) -> Figure {
    Figure {
        panels: vec![panel],
        ..Default::default()
    }
}

fn line(x: Vec<f64>, y: Vec<f64>) -> Series {
    Series::Line {
        x,
        y,
        style: Style::default(),
        label: Some("l".into()),
    }
}

#[test]
fn malformed_input_is_rejected() {
    let dir = temp_dir("bad");
    let stem = dir.join("bad");
    let check = |fig: Figure, needle: &str| {
        let err = render(&fig, &stem).expect_err("should fail");
        let msg = err.to_string();
        assert!(msg.contains(needle), "message {msg:?} lacks {needle:?}");
    };
    // Length mismatch.
    let fig = one_panel(Panel {
        series: vec![line(vec![1.0, 2.0, 3.0], vec![1.0, 2.0])],
        ..Default::default()
    });
    assert!(matches!(
        render(&fig, &stem),
        Err(PlotError::LengthMismatch {
            expected: 3,
            found: 2,
            ..
        })
    ));
    check(fig, "panel 0, series 0 (\"l\")");
    // Empty data for an auto range.
    let fig = one_panel(Panel::default());
    assert!(matches!(
        render(&fig, &stem),
        Err(PlotError::NoData { axis: "x", .. })
    ));
    // Only NaNs, or only non-positive values on a log axis.
    check(
        one_panel(Panel {
            series: vec![line(vec![1.0, 2.0], vec![f64::NAN, f64::NAN])],
            ..Default::default()
        }),
        "y axis",
    );
    check(
        one_panel(Panel {
            log_y: true,
            series: vec![line(vec![1.0, 2.0], vec![0.0, -1.0])],
            ..Default::default()
        }),
        "y axis",
    );
    // Invalid explicit ranges.
    check(
        one_panel(Panel {
            log_y: true,
            y_range: Some((0.0, 1.0)),
            series: vec![line(vec![1.0, 2.0], vec![1.0, 2.0])],
            ..Default::default()
        }),
        "invalid range",
    );
    check(
        one_panel(Panel {
            x_range: Some((2.0, 1.0)),
            series: vec![line(vec![1.0, 2.0], vec![1.0, 2.0])],
            ..Default::default()
        }),
        "invalid range",
    );
    // Band and heatmap shapes.
    check(
        one_panel(Panel {
            bands: vec![Band {
                x: vec![1.0, 2.0],
                lower: vec![0.0],
                upper: vec![1.0, 2.0],
                color: Rgb::BLACK,
                alpha: 0.3,
                label: None,
            }],
            ..Default::default()
        }),
        "`lower` has 1 values, expected 2",
    );
    check(
        one_panel(Panel {
            heatmap: Some(Heatmap::new(vec![0.0, 1.0], vec![0.0, 1.0], vec![1.0; 3])),
            ..Default::default()
        }),
        "`values` has 3 values, expected 4",
    );
    check(
        one_panel(Panel {
            heatmap: Some(Heatmap::new(vec![1.0, 0.0], vec![0.0, 1.0], vec![1.0; 4])),
            ..Default::default()
        }),
        "strictly increasing",
    );
    check(
        one_panel(Panel {
            series: vec![Series::Step {
                edges: vec![0.0, 1.0],
                y: vec![1.0, 2.0],
                style: Style::default(),
                label: None,
            }],
            ..Default::default()
        }),
        "`edges` has 2 values, expected 3",
    );
    check(
        one_panel(Panel {
            series: vec![line(vec![1.0, 2.0], vec![1.0, 2.0])],
            hlines: vec![RefLine {
                at: 1.0,
                style: Style::default().alpha(1.5),
                label: None,
            }],
            ..Default::default()
        }),
        "alpha",
    );
    // Figure shape.
    check(
        Figure {
            rows: 1,
            cols: 1,
            panels: vec![Panel::default(), Panel::default()],
            ..Default::default()
        },
        "do not fit",
    );
    // Nothing was written for rejected figures.
    assert!(!stem.with_extension("png").exists());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn io_errors_name_the_path() {
    let dir = temp_dir("io");
    let blocker = dir.join("file");
    std::fs::write(&blocker, b"not a directory").expect("write");
    let fig = one_panel(Panel {
        series: vec![line(vec![1.0, 2.0], vec![1.0, 2.0])],
        ..Default::default()
    });
    let err = render(&fig, &blocker.join("sub").join("fig")).expect_err("should fail");
    assert!(matches!(err, PlotError::Io { .. }));
    assert!(err.to_string().contains(&blocker.display().to_string()));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn edge_cases_render() {
    let dir = temp_dir("edge");
    let fig = Figure {
        rows: 2,
        cols: 3,
        panel_width: 200,
        panel_height: 160,
        font_scale: 0.8,
        panels: vec![
            // A single point: degenerate auto range.
            one_series(line(vec![2.0], vec![3.0])),
            // No data but explicit ranges, log x, negative secondary scale.
            Panel {
                x_range: Some((1e-3, 1e2)),
                y_range: Some((-1.0, 1.0)),
                log_x: true,
                secondary_x: Some(SecondaryAxis {
                    label: String::new(),
                    scale: -2.0,
                }),
                legend: Some(LegendPos::Best),
                ..Default::default()
            },
            // Huge and tiny magnitudes, NaN-only band, non-finite arrows.
            Panel {
                series: vec![line(vec![0.0, 1e6], vec![1e-7, 3e-7])],
                bands: vec![Band {
                    x: vec![0.0, 1.0],
                    lower: vec![f64::NAN; 2],
                    upper: vec![f64::NAN; 2],
                    color: Rgb::BLACK,
                    alpha: 0.5,
                    label: Some("nothing".into()),
                }],
                arrows: vec![Arrow {
                    x: 0.5,
                    y: 2e-7,
                    dx: f64::NAN,
                    dy: 1.0,
                }],
                legend: Some(LegendPos::LowerLeft),
                ..Default::default()
            },
            // Heatmap on log axes with NaN cells and fixed arrow scale.
            Panel {
                log_x: true,
                log_y: true,
                heatmap: Some(Heatmap {
                    colormap: Colormap::Greys,
                    levels: 1,
                    colorbar_label: Some(String::new()),
                    ..Heatmap::new(
                        vec![1.0, 10.0, 100.0],
                        vec![0.1, 1.0],
                        vec![1.0, f64::NAN, 3.0, 4.0, 5.0, 6.0],
                    )
                }),
                arrows: vec![Arrow {
                    x: 10.0,
                    y: 0.5,
                    dx: 5.0,
                    dy: 0.2,
                }],
                arrow_style: ArrowStyle {
                    scale: ArrowScale::Fixed(1.0),
                    pivot: ArrowPivot::Tail,
                    ..Default::default()
                },
                ..Default::default()
            },
            // Lines entirely outside an explicit range.
            Panel {
                x_range: Some((0.0, 1.0)),
                y_range: Some((0.0, 1.0)),
                series: vec![line(vec![5.0, 6.0], vec![5.0, 6.0])],
                ..Default::default()
            },
        ],
        ..Default::default()
    };
    let paths = render(&fig, &dir.join("edge")).expect("render");
    assert_eq!(png_size(&paths[0]), fig.pixel_size());
    cleanup(&dir, &paths[0]);
}

fn one_series(s: Series) -> Panel {
    Panel {
        series: vec![s],
        ..Default::default()
    }
}

#[test]
fn colours() {
    assert_eq!(palette(0), Rgb(0x1f, 0x77, 0xb4));
    assert_eq!(palette(10), palette(0));
    assert_eq!(colormap_rgb(Colormap::Viridis, 0.0), Rgb(68, 1, 84));
    assert_eq!(colormap_rgb(Colormap::Viridis, 1.0), Rgb(253, 231, 37));
    assert_eq!(colormap_rgb(Colormap::Magma, -3.0), Rgb(0, 0, 4));
    let mid = colormap_rgb(Colormap::Coolwarm, 0.5);
    assert!(
        mid.0.abs_diff(mid.2) < 3,
        "coolwarm centre is grey: {mid:?}"
    );
    assert_eq!(Rgb::hex(0x102030), Rgb(0x10, 0x20, 0x30));
}
