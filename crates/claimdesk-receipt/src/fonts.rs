//! The fonts embedded in every receipt, and which of them draws each character.
//!
//! DejaVu Sans covers Latin with its diacritics, Greek and Cyrillic; Droid Sans Fallback
//! covers Japanese (kana, kanji) and Chinese (Hanzi). A line of text is cut into runs, each
//! drawn in the first font that has every character of it; krilla embeds only the glyphs
//! used (subsetting), so a receipt stays small. Licences are in `fonts/`.

use krilla::text::Font;
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};
use std::sync::OnceLock;

const SANS: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
const SANS_BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");
const CJK: &[u8] = include_bytes!("../fonts/DroidSansFallbackFull.ttf");

/// Regular or bold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    /// Body text.
    Regular,
    /// Headings and the claim number.
    Bold,
}

/// One embedded font: its bytes for measuring and its krilla handle for drawing.
pub struct Face {
    data: &'static [u8],
    font: Font,
}

impl Face {
    fn new(data: &'static [u8]) -> Option<Face> {
        Some(Face {
            data,
            font: Font::new(data.into(), 0)?,
        })
    }

    fn skrifa(&self) -> Option<FontRef<'static>> {
        FontRef::new(self.data).ok()
    }

    /// Whether the font has a glyph for `c`.
    pub fn covers(&self, c: char) -> bool {
        self.skrifa()
            .and_then(|f| f.charmap().map(c))
            .is_some_and(|g| g.to_u32() != 0)
    }

    /// The width of `text` at `size` points (advance widths; no kerning).
    pub fn width(&self, text: &str, size: f32) -> f32 {
        let Some(font) = self.skrifa() else {
            return 0.0;
        };
        let charmap = font.charmap();
        let metrics = font.glyph_metrics(Size::new(size), LocationRef::default());
        text.chars()
            .filter_map(|c| charmap.map(c))
            .filter_map(|g| metrics.advance_width(g))
            .sum()
    }

    /// The krilla font to draw with.
    pub fn font(&self) -> Font {
        self.font.clone()
    }
}

/// The faces for a weight, in the order they are tried.
pub struct Family {
    faces: Vec<Face>,
}

/// The regular and bold families, loaded once.
pub fn family(weight: Weight) -> Option<&'static Family> {
    static REGULAR: OnceLock<Option<Family>> = OnceLock::new();
    static BOLD: OnceLock<Option<Family>> = OnceLock::new();
    let (cell, latin) = match weight {
        Weight::Regular => (&REGULAR, SANS),
        Weight::Bold => (&BOLD, SANS_BOLD),
    };
    cell.get_or_init(|| {
        Some(Family {
            faces: vec![Face::new(latin)?, Face::new(CJK)?],
        })
    })
    .as_ref()
}

impl Family {
    /// The face that draws `c`: the first that has it (else the first, which draws a box).
    fn face_for(&self, c: char) -> usize {
        if c.is_whitespace() {
            return 0;
        }
        self.faces.iter().position(|f| f.covers(c)).unwrap_or(0)
    }

    /// `text` cut into runs that one face draws, in order.
    pub fn runs<'t>(&self, text: &'t str) -> Vec<(&Face, &'t str)> {
        let mut runs = Vec::new();
        let mut start = 0;
        let mut current = None;
        for (i, c) in text.char_indices() {
            let face = self.face_for(c);
            // Spaces stay in the run they are in.
            let face = if c.is_whitespace() {
                current.unwrap_or(face)
            } else {
                face
            };
            if current.is_some_and(|f| f != face) {
                runs.push((&self.faces[current.unwrap_or(0)], &text[start..i]));
                start = i;
            }
            current = Some(face);
        }
        if start < text.len() {
            runs.push((&self.faces[current.unwrap_or(0)], &text[start..]));
        }
        runs
    }

    /// The width of `text` at `size` points, each run measured in its face.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        self.runs(text).iter().map(|(f, t)| f.width(t, size)).sum()
    }

    /// Whether every character of `text` has a glyph in one of the faces.
    #[cfg(test)]
    pub fn covers(&self, text: &str) -> bool {
        text.chars()
            .all(|c| c.is_whitespace() || self.faces.iter().any(|f| f.covers(c)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_script_of_the_seed_has_glyphs() {
        let regular = family(Weight::Regular).expect("fonts");
        let bold = family(Weight::Bold).expect("fonts");
        for text in [
            "Zoë Müller-Lüdenscheidt, Ærøskøbing, São Paulo, Łódź, Ñandú",
            "Γιώργος Παπαδόπουλος",
            "Анна Каренина",
            "山田 花子 (やまだ はなこ) カタカナ",
            "张伟 北京市朝阳区",
        ] {
            assert!(regular.covers(text), "{text}");
            assert!(bold.covers(text), "{text}");
        }
    }

    #[test]
    fn mixed_text_is_cut_into_runs_per_font() {
        let f = family(Weight::Regular).expect("fonts");
        let runs: Vec<&str> = f.runs("Anker 山田 花子 Ltd").iter().map(|r| r.1).collect();
        assert_eq!(runs, ["Anker ", "山田 花子 ", "Ltd"]);
        assert!(f.width("山田", 10.0) > f.width("ab", 10.0));
    }
}
