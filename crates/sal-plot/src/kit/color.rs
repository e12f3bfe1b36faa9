//! Colours: the qualitative palette and the continuous colormaps.

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// Black.
    pub const BLACK: Rgb = Rgb(0, 0, 0);
    /// White.
    pub const WHITE: Rgb = Rgb(255, 255, 255);
    /// Mid grey, for reference lines.
    pub const GREY: Rgb = Rgb(0x80, 0x80, 0x80);

    /// Colour from a `0xRRGGBB` literal.
    pub const fn hex(v: u32) -> Rgb {
        Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8)
    }
}

/// Continuous colormaps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Colormap {
    /// Perceptually uniform, dark blue to yellow (matplotlib default).
    Viridis,
    /// Perceptually uniform, black to light yellow through magenta.
    Magma,
    /// Diverging blue-grey-red, for signed quantities.
    Coolwarm,
    /// White to black.
    Greys,
}

impl Colormap {
    /// Whether the map is diverging (auto ranges are then symmetric about 0).
    pub fn is_diverging(self) -> bool {
        matches!(self, Colormap::Coolwarm)
    }
}

/// matplotlib's `tab10` qualitative cycle.
const TAB10: [Rgb; 10] = [
    Rgb(0x1f, 0x77, 0xb4),
    Rgb(0xff, 0x7f, 0x0e),
    Rgb(0x2c, 0xa0, 0x2c),
    Rgb(0xd6, 0x27, 0x28),
    Rgb(0x94, 0x67, 0xbd),
    Rgb(0x8c, 0x56, 0x4b),
    Rgb(0xe3, 0x77, 0xc2),
    Rgb(0x7f, 0x7f, 0x7f),
    Rgb(0xbc, 0xbd, 0x22),
    Rgb(0x17, 0xbe, 0xcf),
];

/// matplotlib `viridis`, every 16th entry of the 256-entry table (plus the last).
const VIRIDIS: [[f64; 3]; 17] = [
    [0.267004, 0.004874, 0.329415],
    [0.282327, 0.094955, 0.417331],
    [0.278826, 0.175490, 0.483397],
    [0.258965, 0.251537, 0.524736],
    [0.229739, 0.322361, 0.545706],
    [0.199430, 0.387607, 0.554642],
    [0.172719, 0.448791, 0.557885],
    [0.149039, 0.508051, 0.557250],
    [0.127568, 0.566949, 0.550556],
    [0.120638, 0.625828, 0.533488],
    [0.157851, 0.683765, 0.501686],
    [0.246070, 0.738910, 0.452024],
    [0.369214, 0.788888, 0.382914],
    [0.515992, 0.831158, 0.294279],
    [0.678489, 0.863742, 0.189503],
    [0.845561, 0.887322, 0.099702],
    [0.993248, 0.906157, 0.143936],
];

/// matplotlib `magma`, every 16th entry of the 256-entry table (plus the last).
const MAGMA: [[f64; 3]; 17] = [
    [0.001462, 0.000466, 0.013866],
    [0.039608, 0.031090, 0.133515],
    [0.113094, 0.065492, 0.276784],
    [0.211718, 0.061992, 0.418647],
    [0.316654, 0.071690, 0.485380],
    [0.414709, 0.110431, 0.504662],
    [0.512831, 0.148179, 0.507648],
    [0.613617, 0.181811, 0.498536],
    [0.716387, 0.214982, 0.475290],
    [0.816914, 0.255895, 0.436461],
    [0.904281, 0.319610, 0.388137],
    [0.960949, 0.418323, 0.359630],
    [0.986700, 0.535582, 0.382210],
    [0.996096, 0.653659, 0.446213],
    [0.996898, 0.769591, 0.534892],
    [0.992440, 0.884330, 0.640099],
    [0.987053, 0.991438, 0.749504],
];

/// matplotlib `coolwarm` (Moreland's diverging map), every other control point.
const COOLWARM: [[f64; 3]; 17] = [
    [0.229806, 0.298718, 0.753683],
    [0.303869, 0.406535, 0.844959],
    [0.383013, 0.509419, 0.917388],
    [0.466667, 0.604563, 0.968155],
    [0.552953, 0.688929, 0.995376],
    [0.639176, 0.759600, 0.998151],
    [0.722193, 0.813953, 0.976575],
    [0.798692, 0.849786, 0.931689],
    [0.865395, 0.865410, 0.865396],
    [0.924128, 0.827385, 0.774508],
    [0.958853, 0.769768, 0.678008],
    [0.969954, 0.694267, 0.579375],
    [0.958003, 0.602842, 0.481776],
    [0.923945, 0.497309, 0.387970],
    [0.869187, 0.378313, 0.300267],
    [0.795632, 0.241284, 0.220526],
    [0.705673, 0.015556, 0.150233],
];

/// The `i`-th colour of the qualitative cycle (wraps around after 10).
pub fn palette(i: usize) -> Rgb {
    TAB10[i % TAB10.len()]
}

/// Colour of `map` at `t` (clamped to [0, 1]; NaN maps to 0).
pub fn colormap_rgb(map: Colormap, t: f64) -> Rgb {
    let table: &[[f64; 3]] = match map {
        Colormap::Viridis => &VIRIDIS,
        Colormap::Magma => &MAGMA,
        Colormap::Coolwarm => &COOLWARM,
        Colormap::Greys => &[[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]],
    };
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let pos = t * (table.len() - 1) as f64;
    let i = (pos.floor() as usize).min(table.len() - 2);
    let f = pos - i as f64;
    let c = |k: usize| {
        let v = table[i][k] * (1.0 - f) + table[i + 1][k] * f;
        (v * 255.0).round().clamp(0.0, 255.0) as u8
    };
    Rgb(c(0), c(1), c(2))
}
