//! `ssim A.jpg B.jpg`: mean SSIM of the two JPEGs' luma (Wang et al. 2004, 7×7 uniform
//! windows, K1 = 0.01, K2 = 0.03, as scikit-image's default), over their common area.
//! Used by `scripts/bench_photos.py` to compare ClaimDesk's output with libvips'.

use std::process::ExitCode;

fn luma(path: &str) -> Result<(usize, usize, Vec<f64>), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    let mut d = jpeg_decoder::Decoder::new(&bytes[..]);
    let px = d.decode().map_err(|e| format!("{path}: {e}"))?;
    let info = d.info().ok_or("no info")?;
    let (w, h) = (usize::from(info.width), usize::from(info.height));
    let y = match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => px
            .chunks_exact(3)
            .map(|p| 0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2]))
            .collect(),
        jpeg_decoder::PixelFormat::L8 => px.iter().map(|&v| f64::from(v)).collect(),
        other => return Err(format!("{path}: unsupported {other:?}")),
    };
    Ok((w, h, y))
}

fn ssim(a: &[f64], b: &[f64], aw: usize, bw: usize, w: usize, h: usize) -> f64 {
    const R: usize = 3; // 7×7 windows
    let (c1, c2) = ((0.01f64 * 255.0).powi(2), (0.03f64 * 255.0).powi(2));
    let n = ((2 * R + 1) * (2 * R + 1)) as f64;
    let mut total = 0.0;
    let mut count = 0usize;
    for y in R..h - R {
        for x in R..w - R {
            let (mut sa, mut sb, mut saa, mut sbb, mut sab) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for yy in y - R..=y + R {
                for xx in x - R..=x + R {
                    let (p, q) = (a[yy * aw + xx], b[yy * bw + xx]);
                    sa += p;
                    sb += q;
                    saa += p * p;
                    sbb += q * q;
                    sab += p * q;
                }
            }
            let (ma, mb) = (sa / n, sb / n);
            let cov = n / (n - 1.0);
            let (va, vb) = ((saa / n - ma * ma) * cov, (sbb / n - mb * mb) * cov);
            let vab = (sab / n - ma * mb) * cov;
            total += ((2.0 * ma * mb + c1) * (2.0 * vab + c2))
                / ((ma * ma + mb * mb + c1) * (va + vb + c2));
            count += 1;
        }
    }
    total / count as f64
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [a, b] = args.as_slice() else {
        eprintln!("usage: ssim A.jpg B.jpg");
        return ExitCode::from(2);
    };
    match (luma(a), luma(b)) {
        (Ok((aw, ah, ya)), Ok((bw, bh, yb))) => {
            let (w, h) = (aw.min(bw), ah.min(bh));
            println!("{:.4}", ssim(&ya, &yb, aw, bw, w, h));
            ExitCode::SUCCESS
        }
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}
