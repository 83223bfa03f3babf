"""Reference for the photo preprocessing of package data (data/transform.go).

Runs ml-aim's evaluation transform with torchvision on PIL images:

    img = Image.open(path)                  # ImageOps.exif_transpose(img) with --exif
    img = img.convert("RGB")
    Resize(256, interpolation=BICUBIC)      # --resize
    CenterCrop(224)                         # --crop
    ToTensor()
    Normalize(IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD)   # only with --normalize;
                                            # OpenAI CLIP's with --stats clip

and writes the results, float32 (N, 3, crop, crop), as one .npy file:

    /usr/bin/python3 reference/preprocess_ref.py --out ref.npy [--exif] \\
        [--resize 256] [--crop 224] [--normalize] [--stats imagenet|clip] \\
        [--out-normalized norm.npy] [--out-exif exif.npy] FILE...

--out-normalized and --out-exif write, in the same run, the results with
Normalize and with the EXIF orientation applied (what --normalize and --exif
give), so that a test pays for importing torch once.

Needs Debian bookworm's python3-torchvision (0.14) and python3-pil (9.4),
whose Image.resize and convert the Go code replicates. A file that PIL
cannot open is an error (exit status 1, message on stderr).
"""

import argparse
import sys

import numpy as np
import torch
from PIL import Image, ImageOps
from torchvision import transforms as T

IMAGENET_DEFAULT_MEAN = (0.485, 0.456, 0.406)
IMAGENET_DEFAULT_STD = (0.229, 0.224, 0.225)
# OpenAI CLIP's statistics, which AIMv2's hub preprocessing uses (--stats clip)
OPENAI_CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
OPENAI_CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
STATS = {"imagenet": (IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD), "clip": (OPENAI_CLIP_MEAN, OPENAI_CLIP_STD)}


def eval_transform(resize, crop, normalize, stats="imagenet", exact=None):
    if exact:  # Resize((h, w)): exactly that size, no crop
        steps = [T.Resize(exact, interpolation=T.InterpolationMode.BICUBIC), T.ToTensor()]
    else:
        steps = [
            T.Resize(resize, interpolation=T.InterpolationMode.BICUBIC),
            T.CenterCrop(crop),
            T.ToTensor(),
        ]
    if normalize:
        mean, std = STATS[stats]
        steps.append(T.Normalize(mean=mean, std=std))
    return T.Compose(steps)


def load(path, exif):
    with Image.open(path) as img:
        if exif:
            img = ImageOps.exif_transpose(img)
        return img.convert("RGB")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help=".npy file to write, float32 (N, 3, crop, crop)")
    ap.add_argument("--resize", type=int, default=256, help="shorter side after Resize")
    ap.add_argument("--crop", type=int, default=224, help="side of the centre crop")
    ap.add_argument("--exif", action="store_true", help="apply the EXIF orientation first")
    ap.add_argument("--normalize", action="store_true", help="also apply Normalize")
    ap.add_argument("--stats", choices=sorted(STATS), default="imagenet",
                    help="Normalize's mean and std: ImageNet's (ml-aim) or OpenAI CLIP's (AIMv2 on the hub)")
    ap.add_argument("--out-normalized", help="also write the results with Normalize here")
    ap.add_argument("--out-exif", help="also write the results with the EXIF orientation here")
    ap.add_argument("--exact", help="H,W: resize to exactly H×W (Resize((H, W))) instead of --resize and --crop")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args(argv)
    exact = tuple(int(v) for v in args.exact.split(",")) if args.exact else None
    out_h, out_w = exact or (args.crop, args.crop)

    # (output file, transform, apply EXIF) for each array to write.
    runs = [(args.out, eval_transform(args.resize, args.crop, args.normalize, args.stats, exact), args.exif)]
    if args.out_normalized:
        runs.append((args.out_normalized, eval_transform(args.resize, args.crop, True, args.stats, exact), args.exif))
    if args.out_exif:
        runs.append((args.out_exif, eval_transform(args.resize, args.crop, args.normalize, args.stats, exact), True))
    for out_path, tf, exif in runs:
        out = np.empty((len(args.files), 3, out_h, out_w), dtype=np.float32)
        with torch.no_grad():
            for i, path in enumerate(args.files):
                try:
                    out[i] = tf(load(path, exif)).numpy()
                except Exception as e:  # report which file, then fail
                    print(f"{path}: {e}", file=sys.stderr)
                    return 1
        np.save(out_path, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
