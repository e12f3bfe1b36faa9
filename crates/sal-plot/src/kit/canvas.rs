//! A thin drawing layer over a plotters [`DrawingArea`] in logical (f64)
//! coordinates, so that one piece of drawing code serves the bitmap and the
//! SVG backend at any resolution.

use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontStyle, FontTransform, RGBAColor, register_font};

use super::color::Rgb;

/// Font family name used for all text. The name doubles as the SVG
/// `font-family` attribute, so SVG viewers use DejaVu Sans when installed.
pub(crate) const FAMILY: &str = "DejaVu Sans, sans-serif";

/// DejaVu Sans vertical metrics in em.
pub(crate) const ASCENT: f64 = 0.76;
/// Height of a text line used for layout (cap height plus descender), em.
pub(crate) const LINE: f64 = 1.0;

/// ab_glyph's pixel scale is ascent - descent, which is 1.1641 em for DejaVu.
const AB_GLYPH_PER_EM: f64 = 2384.0 / 2048.0;
/// plotters' SVG backend divides the font size by 1.24.
const SVG_PER_EM: f64 = 1.24;

static FONTS: Once = Once::new();

/// Registers the embedded DejaVu fonts with plotters (idempotent).
pub(crate) fn ensure_fonts() {
    FONTS.call_once(|| {
        for name in [FAMILY, "sans-serif"] {
            // The embedded fonts are valid TrueType files, registration can
            // only fail for corrupt data.
            let _ = register_font(name, FontStyle::Normal, dejavu::sans::regular());
            let _ = register_font(name, FontStyle::Bold, dejavu::sans::bold());
            let _ = register_font(name, FontStyle::Italic, dejavu::sans::oblique());
            let _ = register_font(name, FontStyle::Oblique, dejavu::sans::oblique());
        }
    });
}

/// Width of `text` set at `em` logical pixels.
pub(crate) fn text_width(text: &str, em: f64, bold: bool) -> f64 {
    if text.is_empty() {
        return 0.0;
    }
    ensure_fonts();
    const REF: f64 = 100.0;
    let style = if bold {
        FontStyle::Bold
    } else {
        FontStyle::Normal
    };
    let font = FontDesc::new(FontFamily::Name(FAMILY), REF * AB_GLYPH_PER_EM, style);
    match font.box_size(text) {
        Ok((w, _)) => f64::from(w) * em / REF,
        Err(_) => text.chars().count() as f64 * 0.6 * em,
    }
}

/// Which backend a [`Canvas`] draws to; they differ in text metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    Bitmap,
    Svg,
}

/// Horizontal text alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Center,
    Right,
}

/// Text drawing options.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TextOpts {
    pub em: f64,
    pub align: Align,
    /// Rotated 90° counter-clockwise (reads bottom to top).
    pub vertical: bool,
    pub bold: bool,
    pub color: Rgb,
}

impl TextOpts {
    pub fn new(em: f64) -> Self {
        Self {
            em,
            align: Align::Left,
            vertical: false,
            bold: false,
            color: Rgb(0x20, 0x20, 0x20),
        }
    }
    pub fn align(mut self, a: Align) -> Self {
        self.align = a;
        self
    }
    pub fn vertical(mut self) -> Self {
        self.vertical = true;
        self
    }
    pub fn bold(mut self) -> Self {
        self.bold = true;
        self
    }
}

pub(crate) type DrawResult = Result<(), String>;

/// Drawing surface in logical coordinates.
pub(crate) struct Canvas<'a, DB: DrawingBackend> {
    area: &'a DrawingArea<DB, Shift>,
    /// Device pixels per logical pixel.
    pub scale: f64,
    pub flavor: Flavor,
    /// Output (PNG) pixels per logical pixel; lines are snapped to the
    /// centres of these pixels.
    pub snap_dpi: f64,
}

fn rgba(c: Rgb, alpha: f64) -> RGBAColor {
    RGBAColor(c.0, c.1, c.2, alpha.clamp(0.0, 1.0))
}

fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

impl<'a, DB: DrawingBackend> Canvas<'a, DB> {
    pub fn new(area: &'a DrawingArea<DB, Shift>, scale: f64, flavor: Flavor) -> Self {
        Self {
            area,
            scale,
            flavor,
            snap_dpi: 1.0,
        }
    }

    /// Sets [`Canvas::snap_dpi`].
    pub fn with_snap_dpi(mut self, dpi: f64) -> Self {
        self.snap_dpi = dpi;
        self
    }

    fn dev(&self, v: f64) -> i32 {
        (v * self.scale).round() as i32
    }

    fn dev_pt(&self, p: (f64, f64)) -> (i32, i32) {
        (self.dev(p.0), self.dev(p.1))
    }

    /// Device stroke width for a logical width (at least one device pixel).
    fn dev_width(&self, w: f64) -> u32 {
        (w * self.scale).round().max(1.0) as u32
    }

    /// Fills the whole canvas.
    pub fn clear(&self, c: Rgb) -> DrawResult {
        self.area.fill(&rgba(c, 1.0)).map_err(err)
    }

    /// Filled axis-aligned rectangle between two corners.
    pub fn fill_rect(&self, a: (f64, f64), b: (f64, f64), c: Rgb, alpha: f64) -> DrawResult {
        let (x0, x1) = (self.dev(a.0.min(b.0)), self.dev(a.0.max(b.0)));
        let (y0, y1) = (self.dev(a.1.min(b.1)), self.dev(a.1.max(b.1)));
        self.fill_rect_dev(x0, y0, x1, y1, c, alpha)
    }

    /// Filled rectangle in device pixels, `x1`/`y1` exclusive.
    pub fn fill_rect_dev(
        &self,
        x0: i32,
        y0: i32,
        x1: i32,
        y1: i32,
        c: Rgb,
        alpha: f64,
    ) -> DrawResult {
        if x1 <= x0 || y1 <= y0 {
            return Ok(());
        }
        self.area
            .draw(&Rectangle::new(
                [(x0, y0), (x1, y1)],
                rgba(c, alpha).filled(),
            ))
            .map_err(err)
    }

    /// Device coordinate of a logical one (for callers that rasterise).
    pub fn to_dev(&self, v: f64) -> i32 {
        self.dev(v)
    }

    /// Rectangle outline.
    pub fn stroke_rect(
        &self,
        a: (f64, f64),
        b: (f64, f64),
        c: Rgb,
        alpha: f64,
        width: f64,
    ) -> DrawResult {
        let pts = [(a.0, a.1), (b.0, a.1), (b.0, b.1), (a.0, b.1), (a.0, a.1)];
        self.polyline(&pts, c, alpha, width)
    }

    /// Filled polygon.
    pub fn polygon(&self, pts: &[(f64, f64)], c: Rgb, alpha: f64) -> DrawResult {
        if pts.len() < 3 {
            return Ok(());
        }
        let dev: Vec<_> = pts.iter().map(|&p| self.dev_pt(p)).collect();
        self.area
            .draw(&Polygon::new(dev, rgba(c, alpha).filled()))
            .map_err(err)
    }

    /// Filled circle.
    pub fn disc(&self, center: (f64, f64), radius: f64, c: Rgb, alpha: f64) -> DrawResult {
        let r = (radius * self.scale).round().max(1.0) as u32;
        self.area
            .draw(&Circle::new(
                self.dev_pt(center),
                r,
                rgba(c, alpha).filled(),
            ))
            .map_err(err)
    }

    /// Solid polyline of the given logical width.
    pub fn polyline(&self, pts: &[(f64, f64)], c: Rgb, alpha: f64, width: f64) -> DrawResult {
        let mut dev: Vec<(i32, i32)> = Vec::with_capacity(pts.len());
        for &p in pts {
            let d = self.dev_pt(p);
            if dev.last() != Some(&d) {
                dev.push(d);
            }
        }
        if dev.len() < 2 {
            return Ok(());
        }
        let w = self.dev_width(width);
        let color = rgba(c, alpha);
        if self.flavor == Flavor::Svg || w == 1 {
            let style = ShapeStyle {
                color,
                filled: false,
                stroke_width: w,
            };
            return self.area.draw(&PathElement::new(dev, style)).map_err(err);
        }
        // Bitmap, thick: one quad per segment plus round joins. This avoids
        // the spikes of plotters' miter polygonisation at sharp turns.
        let half = f64::from(w) / 2.0;
        let pts: Vec<(f64, f64)> = pts
            .iter()
            .map(|&(x, y)| (x * self.scale, y * self.scale))
            .collect();
        for seg in pts.windows(2) {
            let (a, b) = (seg[0], seg[1]);
            let (dx, dy) = (b.0 - a.0, b.1 - a.1);
            let len = (dx * dx + dy * dy).sqrt();
            if len < 1e-9 {
                continue;
            }
            let (nx, ny) = (-dy / len * half, dx / len * half);
            let quad = [
                (a.0 + nx, a.1 + ny),
                (b.0 + nx, b.1 + ny),
                (b.0 - nx, b.1 - ny),
                (a.0 - nx, a.1 - ny),
            ];
            let quad: Vec<(i32, i32)> = quad
                .iter()
                .map(|&(x, y)| (x.round() as i32, y.round() as i32))
                .collect();
            self.area
                .draw(&Polygon::new(quad, color.filled()))
                .map_err(err)?;
        }
        if w >= 3 {
            let r = (half - 0.5).max(1.0).round() as u32;
            for p in &pts[1..pts.len() - 1] {
                let c = (p.0.round() as i32, p.1.round() as i32);
                self.area
                    .draw(&Circle::new(c, r, color.filled()))
                    .map_err(err)?;
            }
        }
        Ok(())
    }

    /// Polyline with a dash pattern (`dash`, `gap` in logical pixels).
    pub fn dashed_polyline(
        &self,
        pts: &[(f64, f64)],
        c: Rgb,
        alpha: f64,
        width: f64,
        dash: f64,
        gap: f64,
    ) -> DrawResult {
        let mut on = true;
        let mut left = dash;
        let mut cur: Vec<(f64, f64)> = Vec::new();
        for seg in pts.windows(2) {
            let (mut a, b) = (seg[0], seg[1]);
            let mut len = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
            if on && cur.is_empty() {
                cur.push(a);
            }
            while len > left {
                let t = left / len;
                let p = (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
                if on {
                    cur.push(p);
                    self.polyline(&cur, c, alpha, width)?;
                    cur.clear();
                } else {
                    cur.push(p);
                }
                on = !on;
                len -= left;
                left = if on { dash } else { gap };
                a = p;
            }
            left -= len;
            if on {
                cur.push(b);
            }
        }
        if on && cur.len() >= 2 {
            self.polyline(&cur, c, alpha, width)?;
        }
        Ok(())
    }

    /// Draws `text` with its baseline through `(x, baseline)` (for vertical
    /// text the baseline is the vertical line `x = baseline`, and `x` is
    /// replaced by the y coordinate the alignment refers to).
    pub fn text(&self, text: &str, x: f64, baseline: f64, o: TextOpts) -> DrawResult {
        if text.is_empty() {
            return Ok(());
        }
        let em_dev = o.em * self.scale;
        let (size, drop) = match self.flavor {
            // ab_glyph draws the baseline half a pixel-scale below the anchor.
            Flavor::Bitmap => (em_dev * AB_GLYPH_PER_EM, em_dev * AB_GLYPH_PER_EM / 2.0),
            // plotters' SVG backend sets dy = 0.76em for top-anchored text.
            Flavor::Svg => (em_dev * SVG_PER_EM, em_dev * 0.76),
        };
        let h = match o.align {
            Align::Left => HPos::Left,
            Align::Center => HPos::Center,
            Align::Right => HPos::Right,
        };
        let style = if o.bold {
            FontStyle::Bold
        } else {
            FontStyle::Normal
        };
        let color = rgba(o.color, 1.0);
        let mut ts = TextStyle::from(FontDesc::new(FontFamily::Name(FAMILY), size, style))
            .color(&color)
            .pos(Pos::new(h, VPos::Top));
        let pos = if o.vertical {
            ts = ts.transform(FontTransform::Rotate270);
            (
                (baseline * self.scale - drop).round() as i32,
                (x * self.scale).round() as i32,
            )
        } else {
            (
                (x * self.scale).round() as i32,
                (baseline * self.scale - drop).round() as i32,
            )
        };
        self.area.draw_text(text, &ts, pos).map_err(err)
    }
}

/// Font sizes (points at scale 1) of a figure's text elements.
#[derive(Debug, Clone, Copy)]
pub(super) struct Fonts {
    pub(super) tick: f64,
    pub(super) label: f64,
    pub(super) title: f64,
    pub(super) legend: f64,
    pub(super) tag: f64,
    pub(super) suptitle: f64,
}

impl Fonts {
    pub(super) fn new(scale: f64) -> Self {
        Fonts {
            tick: 12.5 * scale,
            label: 14.0 * scale,
            title: 15.0 * scale,
            legend: 12.0 * scale,
            tag: 17.0 * scale,
            suptitle: 17.0 * scale,
        }
    }
}
