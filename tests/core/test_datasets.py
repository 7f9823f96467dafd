"""The CNN lesson's data sets: sizes, values, class balance, determinism, and their licence file."""

import time

import numpy as np
import pytest

from app.core import datasets
from app.core.errors import InputError


def test_shapes_is_generated_quickly_and_deterministically():
    t0 = time.perf_counter()
    a = datasets.make_shapes(7, 10_000, 2_000)
    elapsed = time.perf_counter() - t0
    assert elapsed < 3  # about 0.4 s here; generous for a loaded CI machine
    b = datasets.make_shapes(7, 10_000, 2_000)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)  # the same code twice: the same images
    assert not np.array_equal(a[0][:10], datasets.make_shapes(8, 100, 10)[0][:10])


@pytest.mark.parametrize("name", ["shapes", "fashion"])
def test_data_sets_as_the_network_receives_them(name):
    data = datasets.get_dataset(name)
    info = data.info
    K = len(info.classes)
    assert (K, info.shape) == ((8 if name == "shapes" else 10), (1, 28, 28))
    assert info.train_size >= 10_000 and info.test_size >= 2_000
    for split, size in (("train", info.train_size), ("test", info.test_size)):
        x, y = data.split(split)
        assert x.shape == (size, 1, 28, 28) and x.dtype == np.float32 and y.dtype == np.int64
        assert x.min() >= 0 and x.max() <= 1
        counts = np.bincount(y, minlength=K)
        assert counts.max() - counts.min() <= 1  # balanced
    assert all(en and zh for en, zh in info.classes)
    assert not data.train_x.flags.writeable


def test_fashion_subset_ships_with_its_licence_and_source():
    text = (datasets.DATA_DIR / "DATA.md").read_text()
    for needle in ("MIT", "Zalando", "build_fashion_subset.py", "fashion_subset.npz"):
        assert needle in text
    assert datasets.FASHION_FILE.stat().st_size < 8_000_000
    data = datasets.get_dataset("fashion")
    assert data.train_x.reshape(len(data.train_x), -1).std(axis=1).min() > 0  # real images


def test_unknown_names_and_evaluation_subset():
    with pytest.raises(InputError, match="unknown data set") as error:
        datasets.get_dataset("mnist")
    assert error.value.field == "dataset"
    with pytest.raises(InputError, match="train or test"):
        datasets.get_dataset("shapes").split("validation")
    chosen = datasets.eval_indices(2000)
    assert (
        len(chosen) == datasets.EVAL_SIZE
        and len(set(chosen)) == len(chosen)
        and chosen.max() < 2000
    )
