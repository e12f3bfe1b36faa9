//! Rendering a [`Figure`] to PNG and SVG files.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use plotters::prelude::*;

use super::canvas::Fonts;
use super::canvas::{Canvas, Flavor};
use super::draw::draw_figure;
use super::info::describe;
use super::layout::{SVG_OVERSAMPLE, layout};
use super::model::{Figure, PlotError};
use super::prepare::prepare_all;

// ---------------------------------------------------------------------------
// Output

pub(super) fn with_ext(stem: &Path, ext: &str) -> PathBuf {
    let mut s: OsString = stem.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

/// Box-filter downsampling of an RGB buffer by an integer factor.
pub(super) fn downsample(src: &[u8], w: u32, h: u32, ss: u32) -> Vec<u8> {
    let (w, h, ss) = (w as usize, h as usize, ss as usize);
    let sw = w * ss;
    let n = (ss * ss) as u32;
    let mut out = vec![0u8; w * h * 3];
    for y in 0..h {
        for x in 0..w {
            let mut acc = [0u32; 3];
            for dy in 0..ss {
                let row = (y * ss + dy) * sw;
                for dx in 0..ss {
                    let i = (row + x * ss + dx) * 3;
                    acc[0] += u32::from(src[i]);
                    acc[1] += u32::from(src[i + 1]);
                    acc[2] += u32::from(src[i + 2]);
                }
            }
            let o = (y * w + x) * 3;
            for k in 0..3 {
                out[o + k] = ((acc[k] + n / 2) / n) as u8;
            }
        }
    }
    out
}

/// Draws `fig` into an RGB buffer of its PNG size (for tests that look at pixels).
#[cfg(test)]
pub(super) fn render_rgb(fig: &Figure) -> Result<(u32, u32, Vec<u8>), PlotError> {
    let prepared = prepare_all(fig)?;
    let f = Fonts::new(fig.font_scale);
    let layouts = layout(fig, &prepared, &f);
    let (pw, ph) = fig.pixel_size();
    let mut buf = vec![255u8; pw as usize * ph as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (pw, ph)).into_drawing_area();
        let cv = Canvas::new(&root, fig.dpi_scale, Flavor::Bitmap).with_snap_dpi(fig.dpi_scale);
        draw_figure(&cv, fig, &prepared, &layouts, &f).map_err(|message| PlotError::Render {
            path: PathBuf::from("<buffer>"),
            message,
        })?;
        root.present().map_err(|e| PlotError::Render {
            path: PathBuf::from("<buffer>"),
            message: e.to_string(),
        })?;
    }
    Ok((pw, ph, buf))
}

/// Draws `fig` to `stem.png` and `stem.svg` (the extensions are appended to
/// `stem`; missing parent directories are created) and returns both paths. The computed
/// layout ([`FigureLayout`](super::FigureLayout): axes, drawn tick labels, legend boxes,
/// hidden and off-scale marks, caption) goes to `stem.layout.json` beside them.
pub fn render(fig: &Figure, stem: &Path) -> Result<Vec<PathBuf>, PlotError> {
    render_impl(fig, stem, false).map(|r| r.0)
}

/// Like [`render`], but refuses (before writing anything) a figure whose layout has
/// [`problems`](super::FigureLayout::problems): a log axis with fewer than three labelled
/// ticks, tick labels in a unit the axis label does not name, a legend over drawn marks.
/// Returns the paths and the layout. Every figure of sal is drawn this way.
pub fn render_strict(
    fig: &Figure,
    stem: &Path,
) -> Result<(Vec<PathBuf>, super::FigureLayout), PlotError> {
    render_impl(fig, stem, true)
}

fn render_impl(
    fig: &Figure,
    stem: &Path,
    strict: bool,
) -> Result<(Vec<PathBuf>, super::FigureLayout), PlotError> {
    let prepared = prepare_all(fig)?;
    let f = Fonts::new(fig.font_scale);
    let layouts = layout(fig, &prepared, &f);
    let desc = describe(fig, &prepared, &layouts, &f);
    if strict && !desc.problems.is_empty() {
        return Err(PlotError::Invalid {
            context: format!("figure {}", stem.display()),
            message: desc.problems.join("; "),
        });
    }

    let png = with_ext(stem, "png");
    let svg = with_ext(stem, "svg");
    let info = with_ext(stem, "layout.json");
    if let Some(parent) = png.parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent).map_err(|source| PlotError::Io {
            path: parent.to_path_buf(),
            source,
        })?;
    }

    // PNG: draw supersampled into memory, box-filter down, encode.
    let (pw, ph) = fig.pixel_size();
    // Supersampling factor: 3x3 samples per pixel, fewer for huge images.
    let ss: u32 = match u64::from(pw) * u64::from(ph) {
        0..=8_000_000 => 3,
        8_000_001..=20_000_000 => 2,
        _ => 1,
    };
    let render_err = |path: &Path| {
        let path = path.to_path_buf();
        move |message: String| PlotError::Render {
            path: path.clone(),
            message,
        }
    };
    let mut big = vec![255u8; (pw * ss) as usize * (ph * ss) as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut big, (pw * ss, ph * ss)).into_drawing_area();
        let cv = Canvas::new(&root, fig.dpi_scale * f64::from(ss), Flavor::Bitmap)
            .with_snap_dpi(fig.dpi_scale);
        draw_figure(&cv, fig, &prepared, &layouts, &f).map_err(render_err(&png))?;
        root.present()
            .map_err(|e| e.to_string())
            .map_err(render_err(&png))?;
    }
    let small = downsample(&big, pw, ph, ss);
    drop(big);
    std::fs::File::create(&png).map_err(|source| PlotError::Io {
        path: png.clone(),
        source,
    })?;
    {
        let mut backend = BitMapBackend::new(&png, (pw, ph));
        backend
            .blit_bitmap((0, 0), (pw, ph), &small)
            .map_err(|e| e.to_string())
            .map_err(render_err(&png))?;
        backend
            .present()
            .map_err(|e| e.to_string())
            .map_err(render_err(&png))?;
    }

    // SVG: drawn at SVG_OVERSAMPLE x the logical size for sub-pixel
    // coordinates, then the nominal size is set back to the logical size.
    let (lw, lh) = fig.logical_size();
    let k = SVG_OVERSAMPLE as u32;
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, (lw * k, lh * k)).into_drawing_area();
        let cv = Canvas::new(&root, SVG_OVERSAMPLE, Flavor::Svg).with_snap_dpi(fig.dpi_scale);
        draw_figure(&cv, fig, &prepared, &layouts, &f).map_err(render_err(&svg))?;
        root.present()
            .map_err(|e| e.to_string())
            .map_err(render_err(&svg))?;
    }
    let text = text.replacen(
        &format!("width=\"{}\" height=\"{}\"", lw * k, lh * k),
        &format!("width=\"{lw}\" height=\"{lh}\""),
        1,
    );
    std::fs::write(&svg, text).map_err(|source| PlotError::Io {
        path: svg.clone(),
        source,
    })?;
    let mut json = serde_json::to_string_pretty(&desc).map_err(|e| PlotError::Render {
        path: info.clone(),
        message: e.to_string(),
    })?;
    json.push('\n');
    std::fs::write(&info, json).map_err(|source| PlotError::Io {
        path: info.clone(),
        source,
    })?;
    Ok((vec![png, svg], desc))
}
