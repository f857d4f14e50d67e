"""Read ``.npz`` archives whose string arrays were stored as pickles.

``np.savez`` stores an object array (e.g. OpenMIC-2018's ``sample_key``,
made by ``np.unique`` of a pandas column) as a pickle, which
``np.load(..., allow_pickle=False)`` refuses and ``allow_pickle=True``
would execute: a pickle may call any importable function. Here numeric
arrays are read with ``allow_pickle=False`` and an object array is
unpickled by :class:`StringArrayUnpickler`, which resolves only the few
numpy globals that rebuild an array (``_reconstruct``, ``ndarray``,
``dtype``; and ``_codecs.encode`` for latin-1, with which protocol 2 of
Python 3 stores bytes) and refuses every other global, so reading a data
file never runs code from it. The result must be an array of str.

Authors
 * speechbrain-passt developers 2026
"""

import pickle
import zipfile

import numpy as np
from numpy.lib import format as npy_format

# The function an ndarray pickle calls, whichever module numpy names it in.
_RECONSTRUCT = np.empty(0).__reduce__()[0]


def _latin1_encode(text, encoding="latin1"):
    """``_codecs.encode`` restricted to what pickle protocol 2 needs.

    Arguments
    ---------
    text : str
        The text of a pickled bytes object.
    encoding : str
        Must be ``latin1``.

    Returns
    -------
    bytes
        The encoded text.
    """
    if not isinstance(text, str) or encoding != "latin1":
        raise pickle.UnpicklingError(
            f"refusing _codecs.encode with encoding {encoding!r}"
        )
    return text.encode("latin1")


ALLOWED_GLOBALS = {
    ("numpy._core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT,  # numpy 1.x
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): _latin1_encode,
}


class StringArrayUnpickler(pickle.Unpickler):
    """An unpickler that rebuilds numpy object arrays and nothing else.

    Any global outside :data:`ALLOWED_GLOBALS` (``os.system``,
    ``builtins.eval``, ...) raises ``pickle.UnpicklingError`` before it is
    looked up, so no code of the pickle runs.

    Arguments
    ---------
    file : file-like
        The pickle stream.

    Example
    -------
    >>> import io
    >>> data = pickle.dumps(np.array(["a"], dtype=object))
    >>> StringArrayUnpickler(io.BytesIO(data)).load().tolist()
    ['a']
    >>> StringArrayUnpickler(io.BytesIO(pickle.dumps(print))).load()
    Traceback (most recent call last):
    ...
    _pickle.UnpicklingError: refusing to unpickle builtins.print ...
    """

    def __init__(self, file):
        # latin1 decodes the str items of pickles written by Python 2.
        super().__init__(file, encoding="latin1")

    def find_class(self, module, name):
        """Resolve an allowed global; refuse any other.

        Arguments
        ---------
        module : str
            The global's module.
        name : str
            The global's name.

        Returns
        -------
        object
            The allowed function or class.

        Raises
        ------
        pickle.UnpicklingError
            Any other global.
        """
        try:
            return ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"refusing to unpickle {module}.{name} (only numpy object "
                "arrays of str are read)"
            ) from None


def _read_member(archive, name, path):
    """One array of an open npz archive, object arrays decoded safely."""
    try:
        member = archive.open(f"{name}.npy")
    except KeyError:
        raise ValueError(f"{path}: no array {name!r}") from None
    with member:
        try:
            version = npy_format.read_magic(member)
            if version == (1, 0):
                shape, _, dtype = npy_format.read_array_header_1_0(member)
            else:
                shape, _, dtype = npy_format.read_array_header_2_0(member)
        except ValueError as error:
            raise ValueError(f"{path}: array {name!r}: {error}") from error
        if not dtype.hasobject:
            return None  # read by np.load without pickles
        try:
            array = StringArrayUnpickler(member).load()
        except Exception as error:
            raise ValueError(f"{path}: array {name!r}: {error}") from error
    if (
        not isinstance(array, np.ndarray)
        or array.shape != shape
        or not all(isinstance(item, str) for item in array.flat)
    ):
        raise ValueError(
            f"{path}: array {name!r} is an object array but not one of str "
            f"of shape {shape}"
        )
    return array.astype(str)


def load_npz(path, names):
    """Read arrays of an ``.npz`` file without executing pickled code.

    Arguments
    ---------
    path : str or os.PathLike
        The archive (``np.savez`` / ``np.savez_compressed``).
    names : list of str
        The arrays to read.

    Returns
    -------
    dict
        ``name -> np.ndarray``; object arrays of str come back as unicode
        (``<U``) arrays.

    Raises
    ------
    ValueError
        A missing array, a file that is no npz, or an object array that is
        not made of str or whose pickle names any other global.

    Example
    -------
    >>> path = getfixture("tmp_path") / "a.npz"
    >>> np.savez(path, key=np.array(["x1"], dtype=object), y=np.ones(2))
    >>> arrays = load_npz(path, ["key", "y"])
    >>> arrays["key"].tolist(), arrays["y"].tolist()
    (['x1'], [1.0, 1.0])
    """
    arrays = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for name in names:
                array = _read_member(archive, name, path)
                if array is not None:
                    arrays[name] = array
        with np.load(path, allow_pickle=False) as data:
            for name in names:
                if name not in arrays:
                    arrays[name] = data[name]
    except (zipfile.BadZipFile, OSError) as error:
        raise ValueError(
            f"{path}: not a readable npz file ({error})"
        ) from error
    return {name: arrays[name] for name in names}
