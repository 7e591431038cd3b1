#!/usr/bin/env python3
"""Photo pipeline benchmark: `claimdesk-cli photo` against libvips' `vipsthumbnail`.

    python3 scripts/bench_photos.py [--runs 7]

Makes its fixtures (12 MP and 48 MP phone-like JPEGs with 4:2:0 chroma as phone cameras
write them, a 12 MP one with full-resolution 4:4:4 chroma as libvips and Photoshop write at
high quality, a PNG screenshot) with libvips and ImageMagick, then runs both tools interleaved, whole-process: ClaimDesk makes the 1600 px
JPEG and the 256 px thumbnail in one run; libvips needs two runs
(`vipsthumbnail IN -s 1600 -o OUT.jpg[Q=82,strip]`, then the same at 256), whose times are
added and whose peak RSS is the larger. Prints a Markdown table with medians and ratios.
Needs: libvips-tools, imagemagick (the script installs them with apt-get if missing).
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "target", "bench-photos")
CLI = os.path.join(ROOT, "target", "release", "claimdesk-cli")
SSIM = os.path.join(ROOT, "target", "release", "examples", "ssim")
CONVERT = "/usr/bin/convert"


def sh(*cmd, **kw):
    subprocess.run(cmd, check=True, **kw)


def setup():
    missing = [p for p, exe in (("libvips-tools", "vipsthumbnail"), ("imagemagick", CONVERT))
               if not shutil.which(exe)]
    if missing:
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        sh(*sudo, "apt-get", "update")
        sh(*sudo, "apt-get", "install", "-y", *missing)
    # Two builds: naming an example limits a build to examples, binaries included.
    sh("cargo", "build", "--release", "-q", "-p", "claimdesk-cli", "--bin", "claimdesk-cli", cwd=ROOT)
    sh("cargo", "build", "--release", "-q", "-p", "claimdesk-photos", "--example", "ssim", cwd=ROOT)
    os.makedirs(WORK, exist_ok=True)


def phone_jpeg(name, w, h, subsample="on"):
    """Smooth colour fields plus sensor noise, saved at quality 92 like a phone camera
    (which subsamples chroma 4:2:0; libvips would not above Q=90 unless told to)."""
    out = os.path.join(WORK, name)
    if os.path.exists(out):
        return out
    tmp = os.path.join(WORK, "tmp")
    os.makedirs(tmp, exist_ok=True)
    bands = []
    for i, cell in enumerate((w // 6, w // 9, w // 14)):
        p = os.path.join(tmp, f"p{i}.v")
        sh("vips", "perlin", p, str(w), str(h), "--cell-size", str(cell), "--seed", str(i + 1))
        bands.append(p)
    sh("vips", "bandjoin", " ".join(bands), os.path.join(tmp, "rgb.v"))
    sh("vips", "linear", os.path.join(tmp, "rgb.v"), os.path.join(tmp, "lin.v"), "110", "128")
    sh("vips", "gaussnoise", os.path.join(tmp, "n.v"), str(w), str(h), "--sigma", "6", "--mean", "0")
    sh("vips", "add", os.path.join(tmp, "lin.v"), os.path.join(tmp, "n.v"), os.path.join(tmp, "sum.v"))
    sh("vips", "cast", os.path.join(tmp, "sum.v"), os.path.join(tmp, "u8.v"), "uchar")
    sh("vips", "copy", os.path.join(tmp, "u8.v"), out + f"[Q=92,subsample-mode={subsample}]")
    shutil.rmtree(tmp)
    return out


def screenshot_png(name, w, h):
    out = os.path.join(WORK, name)
    if os.path.exists(out):
        return out
    lines = "\n".join(f"Order 302-1234567-76543{i:02d}   PowerCore 10000   1 x 29.99 EUR" for i in range(40))
    sh(CONVERT, "-size", f"{w}x{h}", "xc:white", "-fill", "#1f5fbf", "-draw", f"rectangle 0,0 {w},90",
       "-fill", "#222", "-font", "DejaVu-Sans", "-pointsize", "28", "-annotate", "+60+160", lines,
       "-depth", "8", "PNG32:" + out)  # 8-bit RGBA, as screenshot tools save
    return out


def measure(cmd):
    """Wall seconds and peak RSS (KiB) of one whole process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(cmd)}: {proc.stderr.read().decode()}")
    return wall, usage.ru_maxrss


def ours(src, out, thumb):
    return measure([CLI, "photo", src, "-o", out, "--thumb", thumb])


def vips(src, out, thumb):
    w1, r1 = measure(["vipsthumbnail", src, "-s", "1600", "-o", out + "[Q=82,strip]"])
    w2, r2 = measure(["vipsthumbnail", src, "-s", "256", "-o", thumb + "[Q=82,strip]"])
    return w1 + w2, max(r1, r2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    setup()
    inputs = [
        ("12 MP phone JPEG", phone_jpeg("phone-12mp-420.jpg", 4000, 3000)),
        ("48 MP phone JPEG", phone_jpeg("phone-48mp-420.jpg", 8000, 6000)),
        ("12 MP JPEG, 4:4:4 chroma", phone_jpeg("phone-12mp-444.jpg", 4000, 3000, "off")),
        ("PNG screenshot 2560×1600", screenshot_png("screenshot.png", 2560, 1600)),
    ]
    print("| input | ClaimDesk wall ms | libvips wall ms | wall ratio | ClaimDesk peak RSS MiB | libvips peak RSS MiB | RSS ratio | ClaimDesk bytes | libvips bytes | bytes ratio | SSIM vs libvips |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for label, src in inputs:
        o = dict(out=os.path.join(WORK, "ours.jpg"), thumb=os.path.join(WORK, "ours-thumb.jpg"))
        v = dict(out=os.path.join(WORK, "vips.jpg"), thumb=os.path.join(WORK, "vips-thumb.jpg"))
        ours(src, **o)  # warm the page cache for both
        vips(src, **v)
        ow, orss, vw, vrss = [], [], [], []
        for _ in range(args.runs):
            w, r = ours(src, **o)
            ow.append(w)
            orss.append(r)
            w, r = vips(src, **v)
            vw.append(w)
            vrss.append(r)
        ob, vb = os.path.getsize(o["out"]), os.path.getsize(v["out"])
        ssim = subprocess.run([SSIM, o["out"], v["out"]], check=True, capture_output=True, text=True).stdout.strip()
        om, vm = statistics.median(ow) * 1e3, statistics.median(vw) * 1e3
        orm, vrm = statistics.median(orss) / 1024, statistics.median(vrss) / 1024
        print(f"| {label} | {om:.0f} | {vm:.0f} | {om / vm:.2f}× | {orm:.1f} | {vrm:.1f} | {orm / vrm:.2f}× | {ob} | {vb} | {ob / vb:.2f}× | {ssim} |")


if __name__ == "__main__":
    main()
