"""Makes the test photos of this folder from scikit-image's sample images.

Run with Debian bookworm's Python (Pillow 9.4, python3-skimage installed):

    /usr/bin/python3 data/photo/testdata/photos/make_photos.py

It writes every file afresh; the output is deterministic. See LICENSE.md
for each source image's licence.
"""

import os
import struct
import zlib

import numpy as np
from PIL import Image

SRC = "/usr/lib/python3/dist-packages/skimage/data"
OUT = os.path.dirname(os.path.abspath(__file__))


def src(name):
    return Image.open(os.path.join(SRC, name))


def save(im, name, png=True, jpeg=True):
    if png:
        im.save(os.path.join(OUT, name + ".png"), optimize=True)
    if jpeg:
        im.convert("RGB" if im.mode not in ("L", "CMYK") else im.mode).save(
            os.path.join(OUT, name + ".jpg"), quality=90)


def png16(name, arr, colour_type, trns=None):
    """Writes a 16-bit PNG (Pillow cannot) from a uint16 array, with a tRNS
    chunk if given."""
    h, w = arr.shape[:2]
    raw = b"".join(b"\x00" + arr[y].astype(">u2").tobytes() for y in range(h))

    def chunk(typ, data):
        c = typ + data
        return struct.pack(">I", len(data)) + c + struct.pack(">I", zlib.crc32(c))

    ihdr = struct.pack(">IIBBBBB", w, h, 16, colour_type, 0, 0, 0)
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
                + (chunk(b"tRNS", trns) if trns else b"")
                + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def main():
    rng = np.random.default_rng(0)
    chelsea, coffee = src("chelsea.png"), src("coffee.png")
    # Landscape, upsampled (180 → 256).
    save(chelsea.resize((270, 180), Image.LANCZOS), "chelsea_landscape")
    # Portrait at full resolution, upsampled; the resized height 389 leaves
    # a margin of 165, where round(82.5) = 82 (half to even).
    save(coffee.crop((380, 60, 577, 360)), "coffee_portrait")
    # Square at full resolution, downsampled a little (264 → 256).
    save(src("astronaut.png").crop((116, 0, 380, 264)), "astronaut_square")
    # Very wide (2.5:1), upsampled to 640×256.
    save(src("rocket.jpg").resize((400, 160), Image.LANCZOS), "rocket_wide")
    # Greyscale ("L"), downsampled (300 → 256).
    save(src("camera.png").crop((80, 40, 440, 340)), "camera_grey")
    # Much larger, portrait: downsampled 2.7 times (JPEG only, to keep the
    # file small; the test re-encodes it losslessly as PNG).
    save(src("retina.jpg").crop((200, 100, 900, 1300)), "retina_large", png=False)
    # RGBA with a radial alpha, transparent in the corners.
    rgba = np.array(chelsea.resize((240, 160), Image.LANCZOS).convert("RGBA"))
    yy, xx = np.mgrid[0:160, 0:240]
    r = np.hypot((xx - 120) / 120, (yy - 80) / 80)
    rgba[..., 3] = np.clip(255 * (1.3 - r), 0, 255).astype(np.uint8)
    save(Image.fromarray(rgba, "RGBA"), "chelsea_rgba", jpeg=False)
    # Grey + alpha ("LA").
    la = src("camera.png").resize((100, 80), Image.LANCZOS).convert("LA")
    la.putalpha(Image.linear_gradient("L").resize((100, 80)))
    save(la, "camera_la", jpeg=False)
    # Palette ("P", 128 colours), 230×230.
    pal = src("astronaut.png").resize((230, 230), Image.LANCZOS).quantize(128)
    save(pal, "astronaut_palette", jpeg=False)
    # 16-bit RGB: the high byte is the photo, the low byte noise, so that
    # truncating and rounding to 8 bits differ.
    c8 = np.array(coffee.resize((120, 90), Image.LANCZOS)).astype(np.uint16)
    png16("coffee_rgb16.png", c8 * 256 + rng.integers(0, 256, c8.shape, dtype=np.uint16), 2)
    # 16-bit grey, 0…382: Pillow opens it as mode "I" and clips to 255.
    g8 = np.array(src("camera.png").resize((120, 90), Image.LANCZOS)).astype(np.uint16)
    png16("camera_grey16.png", g8 * 3 // 2, 0)
    # JPEG chroma subsampling other than Pillow's default 4:2:0, odd sizes.
    chelsea.resize((271, 181), Image.LANCZOS).save(
        os.path.join(OUT, "chelsea_422.jpg"), quality=90, subsampling="4:2:2")
    src("astronaut.png").resize((151, 231), Image.LANCZOS).save(
        os.path.join(OUT, "astronaut_444.jpg"), quality=90, subsampling="4:4:4")
    # Tiny JPEGs whose chroma rows have at most 2 samples, which libjpeg
    # replicates instead of interpolating.
    coffee.resize((4, 6), Image.LANCZOS).save(
        os.path.join(OUT, "coffee_tiny_420.jpg"), quality=90, subsampling="4:2:0")
    coffee.resize((3, 5), Image.LANCZOS).save(
        os.path.join(OUT, "coffee_tiny_422.jpg"), quality=90, subsampling="4:2:2")
    # Other PNG layouts: 16-bit grey + alpha and RGBA (high byte kept),
    # 16-bit grey with a transparent value (tRNS, ignored), 1-bit grey,
    # 4-bit palette, 8-bit grey with tRNS.
    cam = src("camera.png").resize((90, 70), Image.LANCZOS)
    c8 = np.array(cam).astype(np.uint16)
    ramp = np.tile(np.linspace(0, 65535, 90).astype(np.uint16), (70, 1))
    png16("camera_la16.png", np.stack([c8 * 257 + rng.integers(0, 256, c8.shape, dtype=np.uint16), ramp], -1), 4)
    ch = np.array(chelsea.resize((90, 70), Image.LANCZOS)).astype(np.uint16)
    png16("chelsea_rgba16.png", np.concatenate(
        [ch * 256 + rng.integers(0, 256, ch.shape, dtype=np.uint16), ramp[..., None]], -1), 6)
    png16("camera_grey16_trns.png", c8 * 3 // 2, 0, trns=struct.pack(">H", 150))
    cam.convert("1").save(os.path.join(OUT, "camera_1bit.png"))
    src("astronaut.png").resize((80, 80), Image.LANCZOS).quantize(16).save(
        os.path.join(OUT, "astronaut_pal4.png"), bits=4)
    cam.save(os.path.join(OUT, "camera_grey_trns.png"), transparency=0)
    # Progressive JPEG.
    chelsea.resize((240, 160), Image.LANCZOS).save(
        os.path.join(OUT, "chelsea_progressive.jpg"), quality=90, progressive=True)
    # CMYK JPEG (Adobe), as Pillow writes it.
    save(coffee.resize((160, 120), Image.LANCZOS).convert("CMYK"), "coffee_cmyk", png=False)


if __name__ == "__main__":
    main()
