"""npz archives with pickled string arrays (OpenMIC-2018's sample_key) are
read without running pickled code (issue 10, point 1)."""

import io
import os
import pickle
import zipfile

import numpy as np
import pytest
from numpy.lib import format as npy_format
from recipe_modules import load_recipe_module

from speechbrain_passt.data.safe_npz import load_npz

openmic = load_recipe_module("OpenMIC", "openmic_prepare")


def _npz_with_object_pickle(path, pickled, shape=(1,), **arrays):
    """An npz whose ``sample_key.npy`` holds ``pickled`` after an object
    header, as ``np.save`` writes an object array (other arrays normal)."""
    header = io.BytesIO()
    npy_format.write_array_header_1_0(
        header, {"descr": "|O", "fortran_order": False, "shape": shape}
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("sample_key.npy", header.getvalue() + pickled)
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.save(buffer, array)
            archive.writestr(f"{name}.npy", buffer.getvalue())


def test_issue_input_openmic_object_sample_key(tmp_path):
    """The issue's input: np.savez of an object sample_key."""
    np.savez(
        tmp_path / "openmic-2018.npz",
        Y_true=np.full((1, 20), 0.5),
        Y_mask=np.zeros((1, 20), bool),
        sample_key=np.array(["000046_3840"], dtype=object),
    )
    labels = openmic.read_labels_npz(tmp_path)
    relevance, mask = labels["000046_3840"]
    assert list(labels) == ["000046_3840"]
    assert relevance.tolist() == [0.5] * 20 and not mask.any()


@pytest.mark.parametrize(
    "module, protocol",
    [("numpy.core", 2), ("numpy.core", 3), ("numpy._core", 4)],
)
def test_pickles_of_every_numpy_and_protocol(tmp_path, module, protocol):
    """The release was written by numpy 1.x (``numpy.core``, protocol 2,
    whose bytes need ``_codecs.encode``, or 3); numpy 2 writes
    ``numpy._core`` with protocol 4. All decode to the same keys."""
    keys = np.array(["000046_3840", "000135_483840"], dtype=object)
    pickled = pickle.dumps(keys, protocol=protocol)
    if module == "numpy.core":  # GLOBAL opcodes: plain text names
        pickled = pickled.replace(b"numpy._core.", b"numpy.core.")
    _npz_with_object_pickle(
        tmp_path / "openmic-2018.npz",
        pickled,
        shape=(2,),
        Y_true=np.full((2, 20), 0.5),
        Y_mask=np.zeros((2, 20), bool),
    )
    labels = openmic.read_labels_npz(tmp_path)
    assert list(labels) == ["000046_3840", "000135_483840"]


class _Exploit:
    """Pickles as a call of ``function(*args)``."""

    def __init__(self, function, *args):
        self.function, self.args = function, args

    def __reduce__(self):
        return self.function, self.args


@pytest.mark.parametrize(
    "function, args",
    [
        (os.system, ("touch {marker}",)),
        (eval, ("open({marker!r}, 'w').close()",)),
        (np.save, ("{marker}", np.zeros(1))),  # numpy, but not allowed
    ],
)
def test_a_pickle_naming_another_global_is_refused(tmp_path, function, args):
    marker = str(tmp_path / "ran")
    args = tuple(
        a.format(marker=marker) if isinstance(a, str) else a for a in args
    )
    pickled = pickle.dumps(
        np.array([_Exploit(function, *args)], dtype=object), protocol=2
    )
    path = tmp_path / "openmic-2018.npz"
    _npz_with_object_pickle(
        path,
        pickled,
        Y_true=np.full((1, 20), 0.5),
        Y_mask=np.zeros((1, 20), bool),
    )
    with pytest.raises(ValueError, match="refusing to unpickle"):
        openmic.read_labels_npz(tmp_path)
    with pytest.raises(ValueError, match=f"{path}.*sample_key"):
        load_npz(path, ["sample_key"])
    assert not os.path.exists(marker)


def test_object_array_of_other_things_is_refused(tmp_path):
    path = tmp_path / "a.npz"
    np.savez(path, sample_key=np.array([1, "a"], dtype=object))
    with pytest.raises(ValueError, match="not one of str"):
        load_npz(path, ["sample_key"])


def test_missing_array_and_not_an_npz(tmp_path):
    path = tmp_path / "a.npz"
    np.savez(path, y=np.ones(1))
    with pytest.raises(ValueError, match="no array 'sample_key'"):
        load_npz(path, ["sample_key"])
    path.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a readable npz"):
        load_npz(path, ["y"])


def test_unicode_and_compressed_arrays_still_read(tmp_path):
    path = tmp_path / "a.npz"
    np.savez_compressed(path, key=np.array(["é1", "b"]), y=np.arange(3))
    arrays = load_npz(path, ["key", "y"])
    assert arrays["key"].tolist() == ["é1", "b"]
    assert arrays["y"].tolist() == [0, 1, 2]
