"""Rebuild app/data/fashion_subset.npz from the original Fashion-MNIST files.

    apt-get install -y dataset-fashion-mnist      # Debian's package of the original IDX files
    python tools/build_fashion_subset.py [--source /usr/share/datasets/fashion-mnist]

Takes, in the original order, the first 1,000 training images of each class (10,000) and the
first 200 test images of each class (2,000), keeping their original relative order, and writes
them as uint8 arrays (train_images (10000, 28, 28), train_labels, test_images (2000, 28, 28),
test_labels, and the original indices train_index / test_index) into a compressed .npz whose
bytes depend only on the inputs (fixed zip timestamps). The app divides by 255 (float32 [0, 1]).
"""

import argparse
import gzip
import hashlib
import io
import struct
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = Path("/usr/share/datasets/fashion-mnist")
OUTPUT = ROOT / "app" / "data" / "fashion_subset.npz"
PER_CLASS = {"train": 1000, "test": 200}
FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}


def read_idx(path: Path) -> np.ndarray:
    """An IDX file (gzip-compressed): a big-endian header of dimensions, then uint8 data."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    zero, kind, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or kind != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack(f">{ndim}I", data[4 : 4 + 4 * ndim])
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def balanced_subset(labels: np.ndarray, per_class: int) -> np.ndarray:
    """Indices of the first per_class examples of each class, in the original order."""
    chosen = [np.flatnonzero(labels == k)[:per_class] for k in range(10)]
    if any(len(c) < per_class for c in chosen):
        raise ValueError("a class has fewer examples than asked")
    return np.sort(np.concatenate(chosen))


def write_npz(path: Path, arrays: dict) -> None:
    """np.savez_compressed, but with fixed timestamps so that a rebuild is byte-identical."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(2017, 8, 25, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, buffer.getvalue(), compresslevel=9)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    arrays = {}
    for split, (images_file, labels_file) in FILES.items():
        images = read_idx(args.source / images_file)
        labels = read_idx(args.source / labels_file)
        index = balanced_subset(labels, PER_CLASS[split])
        arrays[f"{split}_images"] = images[index]
        arrays[f"{split}_labels"] = labels[index]
        arrays[f"{split}_index"] = index.astype(np.uint16)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    write_npz(args.output, arrays)
    digest = hashlib.sha256(args.output.read_bytes()).hexdigest()
    print(f"wrote {args.output} ({args.output.stat().st_size:,} bytes, sha256 {digest})")


if __name__ == "__main__":
    main()
