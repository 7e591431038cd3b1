//! The receipt as a PDF: laid out top to bottom for the paper, text in the embedded fonts,
//! the QR code as filled squares (vector, sharp on any printer).

use crate::content::{Receipt, ReceiptError};
use crate::fonts::{family, Family, Weight};
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::text::TextDirection;
use krilla::Document;
use qrcode::{Color, EcLevel, QrCode};

/// The paper a receipt is laid out for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
pub enum Paper {
    /// An A4 sheet (210 × 297 mm).
    #[serde(rename = "a4")]
    A4,
    /// An 80 mm thermal roll: 72 mm printed, as long as the receipt.
    #[serde(rename = "80mm")]
    Roll80,
}

impl std::str::FromStr for Paper {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "a4" => Ok(Paper::A4),
            "80mm" | "80" | "roll" => Ok(Paper::Roll80),
            other => Err(format!("unknown paper “{other}”: use a4 or 80mm")),
        }
    }
}

/// Points per millimetre.
const MM: f32 = 72.0 / 25.4;

/// Sizes for one paper, in points.
struct Style {
    width: f32,
    /// Fixed page height (A4), or `None` for a roll cut after the content.
    height: Option<f32>,
    margin: f32,
    title: f32,
    number: f32,
    body: f32,
    small: f32,
    /// Width of the label column, or `None` to put labels above their values.
    label_column: Option<f32>,
    module: f32,
}

impl Paper {
    fn style(self) -> Style {
        match self {
            Paper::A4 => Style {
                width: 210.0 * MM,
                height: Some(297.0 * MM),
                margin: 20.0 * MM,
                title: 20.0,
                number: 28.0,
                body: 11.0,
                small: 9.0,
                label_column: Some(40.0 * MM),
                module: 3.0,
            },
            Paper::Roll80 => Style {
                width: 80.0 * MM,
                height: None,
                margin: 4.0 * MM,
                title: 12.0,
                number: 18.0,
                body: 9.0,
                small: 7.5,
                label_column: None,
                module: 2.0,
            },
        }
    }
}

/// One thing to draw, at a position from the page's top left (y is the text baseline).
enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        weight: Weight,
        text: String,
    },
    Square {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
}

/// Lays the receipt out top to bottom.
struct Layout {
    ops: Vec<Op>,
    y: f32,
    left: f32,
    width: f32,
}

impl Layout {
    /// Writes `text` wrapped to `width` from `x`, moving down one line per line.
    fn text(&mut self, x: f32, width: f32, size: f32, weight: Weight, text: &str) {
        let Some(fam) = family(weight) else { return };
        for line in wrap(fam, text, size, width) {
            self.y += size * 1.25;
            self.ops.push(Op::Text {
                x,
                y: self.y,
                size,
                weight,
                text: line,
            });
        }
    }

    fn gap(&mut self, points: f32) {
        self.y += points;
    }

    fn rule(&mut self) {
        self.gap(6.0);
        self.ops.push(Op::Square {
            x: self.left,
            y: self.y,
            w: self.width,
            h: 0.6,
        });
        self.gap(4.0);
    }
}

/// The receipt as a PDF document laid out for `paper`.
pub fn render(receipt: &Receipt, paper: Paper) -> Result<Vec<u8>, ReceiptError> {
    let s = paper.style();
    let mut l = Layout {
        ops: Vec::new(),
        y: s.margin,
        left: s.margin,
        width: s.width - 2.0 * s.margin,
    };
    let (left, width) = (l.left, l.width);
    l.text(left, width, s.title, Weight::Bold, &receipt.title);
    l.rule();
    l.text(
        left,
        width,
        s.small,
        Weight::Regular,
        &receipt.claim_number_label,
    );
    l.text(left, width, s.number, Weight::Bold, &receipt.claim_number);
    if let Some((label, reference)) = &receipt.case_reference {
        l.gap(4.0);
        l.text(left, width, s.small, Weight::Regular, label);
        l.text(left, width, s.number * 0.75, Weight::Bold, reference);
    }
    l.rule();
    for (label, value) in &receipt.rows {
        match s.label_column {
            Some(column) => {
                let top = l.y;
                l.text(left, column - 6.0, s.body, Weight::Regular, label);
                let after_label = l.y;
                l.y = top;
                l.text(left + column, width - column, s.body, Weight::Bold, value);
                l.y = l.y.max(after_label);
            }
            None => {
                l.text(left, width, s.small, Weight::Regular, label);
                l.text(left, width, s.body, Weight::Bold, value);
            }
        }
        l.gap(s.body * 0.3);
    }
    l.rule();
    l.text(left, width, s.body, Weight::Regular, &receipt.status);
    l.gap(s.body * 0.5);
    l.text(left, width, s.body, Weight::Regular, &receipt.next);
    l.gap(s.body);
    qr(&mut l, &receipt.claim_id.to_string(), s.module)?;
    l.text(left, width, s.small, Weight::Regular, &receipt.qr_caption);
    l.text(
        left,
        width,
        s.small,
        Weight::Regular,
        &receipt.claim_id.to_string(),
    );

    let height = s.height.unwrap_or(l.y + s.margin);
    draw(&l.ops, s.width, height, receipt)
}

/// The QR code holding `data`: its width in modules and its dark modules (column, row).
fn qr_modules(data: &str) -> Result<(usize, Vec<(usize, usize)>), ReceiptError> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)
        .map_err(|e| ReceiptError::Qr(e.to_string()))?;
    let n = code.width();
    let dark = code
        .to_colors()
        .into_iter()
        .enumerate()
        .filter(|(_, c)| *c == Color::Dark)
        .map(|(i, _)| (i % n, i / n))
        .collect();
    Ok((n, dark))
}

/// The QR code holding `data`, at the left margin, with its quiet zone.
fn qr(l: &mut Layout, data: &str, module: f32) -> Result<(), ReceiptError> {
    let (n, dark) = qr_modules(data)?;
    let quiet = 4.0 * module;
    let top = l.y + quiet;
    for (x, y) in dark {
        l.ops.push(Op::Square {
            x: l.left + quiet + x as f32 * module,
            y: top + y as f32 * module,
            w: module,
            h: module,
        });
    }
    l.y = top + n as f32 * module + quiet * 0.5;
    Ok(())
}

/// The QR code holding the receipt's claim id as an SVG image (for the window's preview
/// and print), quiet zone included.
pub fn qr_svg(receipt: &Receipt) -> Result<String, ReceiptError> {
    let (n, dark) = qr_modules(&receipt.claim_id.to_string())?;
    let size = n + 8;
    let path: String = dark
        .iter()
        .map(|(x, y)| format!("M{} {}h1v1h-1z", x + 4, y + 4))
        .collect();
    Ok(format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/><path d="{path}" fill="#000"/></svg>"##
    ))
}

fn draw(ops: &[Op], width: f32, height: f32, receipt: &Receipt) -> Result<Vec<u8>, ReceiptError> {
    let pdf = |what: &str| ReceiptError::Pdf(what.to_owned());
    let settings = PageSettings::from_wh(width, height).ok_or_else(|| pdf("page size"))?;
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(format!("{} {}", receipt.title, receipt.claim_number))
            .creator("ClaimDesk".to_owned()),
    );
    {
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        surface.set_fill(Some(Fill::default()));
        for op in ops {
            match op {
                Op::Text {
                    x,
                    y,
                    size,
                    weight,
                    text,
                } => {
                    let fam = family(*weight).ok_or(ReceiptError::Fonts)?;
                    let mut x = *x;
                    for (face, run) in fam.runs(text) {
                        surface.draw_text(
                            Point::from_xy(x, *y),
                            face.font(),
                            *size,
                            run,
                            false,
                            TextDirection::Auto,
                        );
                        x += face.width(run, *size);
                    }
                }
                Op::Square { x, y, w, h } => {
                    let mut path = PathBuilder::new();
                    path.push_rect(Rect::from_xywh(*x, *y, *w, *h).ok_or_else(|| pdf("rect"))?);
                    if let Some(path) = path.finish() {
                        surface.draw_path(&path);
                    }
                }
            }
        }
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| ReceiptError::Pdf(format!("{e:?}")))
}

/// `text` in lines no wider than `width`: broken at spaces, or between any two CJK
/// characters (which need no spaces), or — for one word longer than the line — anywhere.
fn wrap(fam: &Family, text: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        // Where `line` may be cut: the byte length of the part that stays.
        let mut cut: Option<usize> = None;
        for c in paragraph.chars() {
            if is_wide(c) && !line.is_empty() {
                cut = Some(line.len());
            }
            line.push(c);
            if c == ' ' {
                cut = Some(line.len());
            }
            if fam.width(line.trim_end(), size) > width && line.chars().count() > 1 {
                let at = cut
                    .filter(|&at| at > 0 && at < line.len())
                    .unwrap_or_else(|| line.len() - c.len_utf8());
                let rest = line.split_off(at);
                lines.push(line.trim_end().to_owned());
                line = rest.trim_start().to_owned();
                cut = None;
            }
        }
        lines.push(line.trim_end().to_owned());
    }
    lines
}

/// Characters of scripts written without spaces between words (CJK), where a line may break.
fn is_wide(c: char) -> bool {
    matches!(c as u32, 0x2E80..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_break_at_spaces_and_between_cjk_characters() {
        let f = family(Weight::Regular).expect("fonts");
        let lines = wrap(f, "one two three four five six", 10.0, 60.0);
        assert!(lines.len() > 1, "{lines:?}");
        assert!(lines.iter().all(|l| f.width(l, 10.0) <= 60.0), "{lines:?}");
        assert_eq!(lines.join(" "), "one two three four five six");
        let cjk = wrap(f, "東京都千代田区丸の内一丁目九番二号", 10.0, 50.0);
        assert!(cjk.len() > 1, "{cjk:?}");
        assert_eq!(cjk.concat(), "東京都千代田区丸の内一丁目九番二号");
        let long = wrap(f, "FY529241FY529241FY529241FY529241", 10.0, 60.0);
        assert!(long.len() > 1 && long.concat() == "FY529241FY529241FY529241FY529241");
    }
}
