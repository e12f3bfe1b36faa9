//! Screen geometry of a panel: the data-to-screen mapping, clipping, and the shapes of drawn
//! marks (for legend placement and for finding series that others hide).

use super::ticks::Scale;

/// Maps data coordinates of a panel to logical screen coordinates.
#[derive(Debug, Clone, Copy)]
pub(super) struct Mapper {
    pub(super) xs: Scale,
    pub(super) ys: Scale,
    pub(super) r: Rect,
}

impl Mapper {
    pub(super) fn x(&self, v: f64) -> f64 {
        self.r.x0 + self.xs.norm(v) * self.r.w()
    }
    pub(super) fn y(&self, v: f64) -> f64 {
        self.r.y1 - self.ys.norm(v) * self.r.h()
    }
    /// Screen point, or `None` when the point cannot be drawn on the scales.
    pub(super) fn pt(&self, x: f64, y: f64) -> Option<(f64, f64)> {
        (self.xs.valid(x) && self.ys.valid(y)).then(|| (self.x(x), self.y(y)))
    }
}

/// Liang–Barsky clipping of segment `a`–`b` to `r`.
pub(super) fn clip_segment(
    a: (f64, f64),
    b: (f64, f64),
    r: &Rect,
) -> Option<((f64, f64), (f64, f64))> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [
        (-dx, a.0 - r.x0),
        (dx, r.x1 - a.0),
        (-dy, a.1 - r.y0),
        (dy, r.y1 - a.1),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let t = q / p;
            if p < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
        }
    }
    (t0 <= t1).then_some((
        (a.0 + t0 * dx, a.1 + t0 * dy),
        (a.0 + t1 * dx, a.1 + t1 * dy),
    ))
}

/// Splits a polyline with breaks (`None`) into visible, clipped pieces.
pub(super) fn clip_polyline(pts: &[Option<(f64, f64)>], r: &Rect) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut cur: Vec<(f64, f64)> = Vec::new();
    for w in pts.windows(2) {
        let (Some(a), Some(b)) = (w[0], w[1]) else {
            if cur.len() >= 2 {
                out.push(std::mem::take(&mut cur));
            }
            cur.clear();
            continue;
        };
        match clip_segment(a, b, r) {
            Some((p, q)) => {
                if cur.last() != Some(&p) {
                    if cur.len() >= 2 {
                        out.push(std::mem::take(&mut cur));
                    }
                    cur.clear();
                    cur.push(p);
                }
                cur.push(q);
            }
            None => {
                if cur.len() >= 2 {
                    out.push(std::mem::take(&mut cur));
                }
                cur.clear();
            }
        }
    }
    if cur.len() >= 2 {
        out.push(cur);
    }
    out
}

/// Sutherland–Hodgman clipping of a polygon to `r`.
pub(super) fn clip_polygon(poly: &[(f64, f64)], r: &Rect) -> Vec<(f64, f64)> {
    type Inside = Box<dyn Fn((f64, f64)) -> bool>;
    type Cut = Box<dyn Fn((f64, f64), (f64, f64)) -> (f64, f64)>;
    let lerp_x = |x: f64| {
        move |a: (f64, f64), b: (f64, f64)| {
            let t = (x - a.0) / (b.0 - a.0);
            (x, a.1 + t * (b.1 - a.1))
        }
    };
    let lerp_y = |y: f64| {
        move |a: (f64, f64), b: (f64, f64)| {
            let t = (y - a.1) / (b.1 - a.1);
            (a.0 + t * (b.0 - a.0), y)
        }
    };
    let (x0, x1, y0, y1) = (r.x0, r.x1, r.y0, r.y1);
    let edges: [(Inside, Cut); 4] = [
        (Box::new(move |p| p.0 >= x0), Box::new(lerp_x(x0))),
        (Box::new(move |p| p.0 <= x1), Box::new(lerp_x(x1))),
        (Box::new(move |p| p.1 >= y0), Box::new(lerp_y(y0))),
        (Box::new(move |p| p.1 <= y1), Box::new(lerp_y(y1))),
    ];
    let mut pts = poly.to_vec();
    for (inside, cut) in &edges {
        if pts.is_empty() {
            break;
        }
        let input = std::mem::take(&mut pts);
        let mut prev = input[input.len() - 1];
        for &p in &input {
            match (inside(p), inside(prev)) {
                (true, true) => pts.push(p),
                (true, false) => {
                    pts.push(cut(prev, p));
                    pts.push(p);
                }
                (false, true) => pts.push(cut(prev, p)),
                (false, false) => {}
            }
            prev = p;
        }
    }
    pts
}

/// Reduces a long polyline whose x never decreases to the first, lowest,
/// highest and last point of each screen column of width `column`; the drawn
/// result is indistinguishable, the SVG much smaller.
pub(super) fn decimate(piece: Vec<(f64, f64)>, column: f64) -> Vec<(f64, f64)> {
    if piece.len() < 2000 || piece.windows(2).any(|w| w[1].0 < w[0].0) {
        return piece;
    }
    let mut out = Vec::with_capacity(piece.len().min(4096));
    let mut i = 0;
    while i < piece.len() {
        let col = (piece[i].0 / column).floor();
        let mut j = i;
        let (mut lo, mut hi) = (i, i);
        while j < piece.len() && (piece[j].0 / column).floor() == col {
            if piece[j].1 < piece[lo].1 {
                lo = j;
            }
            if piece[j].1 > piece[hi].1 {
                hi = j;
            }
            j += 1;
        }
        let mut keep = [i, lo.min(hi), lo.max(hi), j - 1];
        keep.sort_unstable();
        for (n, &k) in keep.iter().enumerate() {
            if n == 0 || k != keep[n - 1] {
                out.push(piece[k]);
            }
        }
        i = j;
    }
    out
}

/// Distance from `p` to the segment `a`–`b`.
pub(super) fn dist_to_segment(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (qx, qy) = (a.0 + t * dx, a.1 + t * dy);
    (p.0 - qx).hypot(p.1 - qy)
}

/// Whether `p` lies inside the polygon (even-odd rule).
fn inside_polygon(p: (f64, f64), poly: &[(f64, f64)]) -> bool {
    let mut inside = false;
    let n = poly.len();
    for i in 0..n {
        let (a, b) = (poly[i], poly[(i + n - 1) % n]);
        if (a.1 > p.1) != (b.1 > p.1) && p.0 < (b.0 - a.0) * (p.1 - a.1) / (b.1 - a.1) + a.0 {
            inside = !inside;
        }
    }
    inside
}

/// One drawn mark, in logical screen coordinates.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Shape {
    /// A stroked segment of half width `hw`.
    Seg {
        a: (f64, f64),
        b: (f64, f64),
        hw: f64,
    },
    /// A filled disc (markers).
    Disc { c: (f64, f64), r: f64 },
    /// A filled rectangle (bars, heatmap cells).
    Rect(Rect),
    /// A filled polygon (bands).
    Poly(Vec<(f64, f64)>),
}

impl Rect {
    /// The rectangle grown by `d` on every side.
    pub(super) fn grown(&self, d: f64) -> Rect {
        Rect {
            x0: self.x0 - d,
            y0: self.y0 - d,
            x1: self.x1 + d,
            y1: self.y1 + d,
        }
    }

    /// Whether two rectangles overlap.
    pub(super) fn overlaps(&self, o: &Rect) -> bool {
        self.x0 < o.x1 && o.x0 < self.x1 && self.y0 < o.y1 && o.y0 < self.y1
    }
}

impl Shape {
    /// Whether the mark touches the rectangle `r`.
    pub(super) fn hits(&self, r: &Rect) -> bool {
        match self {
            Shape::Seg { a, b, hw } => clip_segment(*a, *b, &r.grown(*hw)).is_some(),
            Shape::Disc { c, r: rad } => {
                let qx = c.0.clamp(r.x0, r.x1);
                let qy = c.1.clamp(r.y0, r.y1);
                (c.0 - qx).hypot(c.1 - qy) <= *rad
            }
            Shape::Rect(q) => q.overlaps(r),
            Shape::Poly(poly) => {
                if poly.len() < 3 {
                    return false;
                }
                let (mut bx0, mut by0, mut bx1, mut by1) = (
                    f64::INFINITY,
                    f64::INFINITY,
                    f64::NEG_INFINITY,
                    f64::NEG_INFINITY,
                );
                for p in poly {
                    bx0 = bx0.min(p.0);
                    by0 = by0.min(p.1);
                    bx1 = bx1.max(p.0);
                    by1 = by1.max(p.1);
                }
                let bbox = Rect {
                    x0: bx0,
                    y0: by0,
                    x1: bx1,
                    y1: by1,
                };
                if !bbox.overlaps(r) {
                    return false;
                }
                if poly.iter().any(|p| r.contains(*p)) {
                    return true;
                }
                let corners = [(r.x0, r.y0), (r.x1, r.y0), (r.x1, r.y1), (r.x0, r.y1)];
                if corners.iter().any(|c| inside_polygon(*c, poly)) {
                    return true;
                }
                let n = poly.len();
                (0..n).any(|i| clip_segment(poly[i], poly[(i + 1) % n], r).is_some())
            }
        }
    }

    /// Bounding box.
    pub(super) fn bbox(&self) -> Rect {
        match self {
            Shape::Seg { a, b, hw } => Rect {
                x0: a.0.min(b.0) - hw,
                y0: a.1.min(b.1) - hw,
                x1: a.0.max(b.0) + hw,
                y1: a.1.max(b.1) + hw,
            },
            Shape::Disc { c, r } => Rect {
                x0: c.0 - r,
                y0: c.1 - r,
                x1: c.0 + r,
                y1: c.1 + r,
            },
            Shape::Rect(q) => *q,
            Shape::Poly(p) => p.iter().fold(
                Rect {
                    x0: f64::INFINITY,
                    y0: f64::INFINITY,
                    x1: f64::NEG_INFINITY,
                    y1: f64::NEG_INFINITY,
                },
                |b, q| Rect {
                    x0: b.x0.min(q.0),
                    y0: b.y0.min(q.1),
                    x1: b.x1.max(q.0),
                    y1: b.y1.max(q.1),
                },
            ),
        }
    }
}

/// Points every `step` pixels along the pieces of a polyline, starting at arc length
/// `phase`.
pub(super) fn points_along(pieces: &[Vec<(f64, f64)>], step: f64, phase: f64) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    let mut next = phase;
    let mut s = 0.0;
    for piece in pieces {
        for w in piece.windows(2) {
            let len = (w[1].0 - w[0].0).hypot(w[1].1 - w[0].1);
            while next <= s + len {
                let t = if len > 0.0 { (next - s) / len } else { 0.0 };
                out.push((
                    w[0].0 + t * (w[1].0 - w[0].0),
                    w[0].1 + t * (w[1].1 - w[0].1),
                ));
                next += step;
            }
            s += len;
        }
    }
    out
}

/// Logical rectangle (x0, y0, x1, y1), y pointing down.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Rect {
    pub(super) x0: f64,
    pub(super) y0: f64,
    pub(super) x1: f64,
    pub(super) y1: f64,
}

impl Rect {
    pub(super) fn w(&self) -> f64 {
        self.x1 - self.x0
    }
    pub(super) fn h(&self) -> f64 {
        self.y1 - self.y0
    }
    pub(super) fn contains(&self, p: (f64, f64)) -> bool {
        p.0 >= self.x0 && p.0 <= self.x1 && p.1 >= self.y0 && p.1 <= self.y1
    }
}
