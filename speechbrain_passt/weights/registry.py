"""Registry of the released PaSST checkpoints.

One data table (:data:`CHECKPOINTS`) lists every checkpoint released with the
original PaSST code (github kkoutini/PaSST) and its ``hear21passt`` package:
download file, strides, the frames the time encoding is sized for, the mel
hop of the front-end it was trained with, depth, class count, reported score
and label set. Names of the original ``default_cfgs``, the ``get_model`` arch
names and the hear21passt aliases all resolve to the same record; so does the
file name, so a downloaded file is recognised by its name.

Files are fetched only on request, into torch hub's standard cache
(``torch.hub.get_dir()/checkpoints/<file>``, where the original code puts them
too); nothing is downloaded at import.

Authors
 * speechbrain-passt developers 2026
"""

import os
from dataclasses import dataclass
from pathlib import Path

import torch

RELEASE_URL = "https://github.com/kkoutini/PaSST/releases/download/"

# Names of the ImageNet start point (DeiT-B distilled, 384 px); not a PaSST
# checkpoint, see ``speechbrain_passt.weights.imagenet.load_imagenet_deit``.
IMAGENET_NAMES = (
    "passt_deit_bd_p16_384",
    "deit_base_distilled_patch16_384",
    "imagenet",
)


@dataclass(frozen=True)
class CheckpointInfo:
    """One released PaSST checkpoint.

    Arguments
    ---------
    name : str
        The name in the original ``default_cfgs``.
    path : str
        File path after :data:`RELEASE_URL` (release tag / file name).
    fstride : int
        Patch stride along frequency.
    tstride : int
        Patch stride along time.
    max_frames : int or None
        Frames the time encoding is sized for (the original ``input_tdim``);
        None: taken from the file's shapes.
    hop_length : int
        Mel hop, in samples at 32 kHz, of the front-end used in training.
    depth : int
        Number of transformer blocks.
    num_classes : int
        Output classes of the head.
    metric : str
        Name of the reported score (``"mAP"`` or ``"accuracy"``).
    score : float
        The score in the file name.
    label_set : str
        ``"audioset"``, ``"fsd50k"``, ``"openmic"`` or ``"esc50"``.
    aliases : tuple of str
        Other names (``get_model`` arch names, hear21passt names).
    origin : str
        Where the record comes from: ``"both"``, ``"PaSST"`` or ``"hear"``.
    note : str
        Anything a user should know.

    Example
    -------
    >>> info = get_checkpoint("passt_s_swa_p16_128_ap476")
    >>> info.filename, info.fstride, info.multi_label
    ('passt-s-f128-p16-s10-ap.476-swa.pt', 10, True)
    """

    name: str
    path: str
    fstride: int
    tstride: int
    max_frames: int | None
    hop_length: int
    depth: int
    num_classes: int
    metric: str
    score: float
    label_set: str
    aliases: tuple = ()
    origin: str = "both"
    note: str = ""

    @property
    def filename(self):
        """File name of the checkpoint."""
        return self.path.rsplit("/", 1)[-1]

    @property
    def url(self):
        """Download address."""
        return RELEASE_URL + self.path

    @property
    def multi_label(self):
        """Whether the head is multi-label (sigmoid) or single-label."""
        return self.label_set != "esc50"

    def model_config(self):
        """:class:`PaSST` arguments fixed by this checkpoint, plus
        ``num_classes``; ``max_frames`` only when known.

        Returns
        -------
        dict
            Keyword arguments.
        """
        config = dict(
            fstride=self.fstride,
            tstride=self.tstride,
            depth=self.depth,
            num_classes=self.num_classes,
        )
        if self.max_frames is not None:
            config["max_frames"] = self.max_frames
        return config


def _audioset(name, path, stride, score, **kwargs):
    kwargs.setdefault("max_frames", 998)
    kwargs.setdefault("hop_length", 320)
    kwargs.setdefault("depth", 12)
    return CheckpointInfo(
        name=name,
        path=path,
        fstride=stride,
        tstride=stride,
        num_classes=527,
        metric="mAP",
        score=score,
        label_set="audioset",
        **kwargs,
    )


# The table: every row of the original default_cfgs (both repositories) and
# the fine-tuned ESC-50 model of the PaSST README.
CHECKPOINTS = (
    _audioset(
        "passt_s_swa_p16_128_ap476",
        "v0.0.1-audioset/passt-s-f128-p16-s10-ap.476-swa.pt",
        10,
        0.476,
        aliases=("hear21passt.base", "passt-s"),
        note="PaSST-S (SWA); the paper's start point for fine-tuning",
    ),
    _audioset(
        "passt_s_kd_p16_128_ap486",
        "v.0.0.9/passt-s-kd-ap.486.pt",
        10,
        0.486,
        note="knowledge distillation; get_model's default since 2023",
    ),
    _audioset(
        "passt_l_kd_p16_128_ap47",
        "v.0.0.10/passt-l-kd-ap.47.pt",
        10,
        0.47,
        depth=7,
        aliases=("passt-l",),
        note="PaSST-L, 7 blocks, knowledge distillation (mAP .4708)",
    ),
    _audioset(
        "passt_s_swa_p16_128_ap4761",
        "v0.0.2-audioset/passt-s-f128-p16-s10-ap.4761-swa.pt",
        10,
        0.4761,
        origin="PaSST",
    ),
    _audioset(
        "passt_s_p16_128_ap472",
        "v0.0.2-audioset/passt-s-f128-p16-s10-ap.472.pt",
        10,
        0.472,
        origin="PaSST",
    ),
    _audioset(
        "passt_s_p16_s16_128_ap468",
        "v0.0.2-audioset/passt-s-f128-p16-s16-ap.468.pt",
        16,
        0.468,
        aliases=("passt-s-n",),
        note="no patch overlap (PaSST-S-N)",
    ),
    _audioset(
        "passt_s_swa_p16_s16_128_ap473",
        "v0.0.2-audioset/passt-s-f128-p16-s16-ap.473-swa.pt",
        16,
        0.473,
        origin="PaSST",
    ),
    _audioset(
        "passt_s_swa_p16_s14_128_ap471",
        "v0.0.2-audioset/passt-s-f128-p16-s14-ap.471-swa.pt",
        14,
        0.471,
        origin="PaSST",
    ),
    _audioset(
        "passt_s_p16_s14_128_ap469",
        "v0.0.2-audioset/passt-s-f128-p16-s14-ap.469.pt",
        14,
        0.469,
        origin="PaSST",
    ),
    _audioset(
        "passt_s_swa_p16_s12_128_ap473",
        "v0.0.2-audioset/passt-s-f128-p16-s12-ap.473-swa.pt",
        12,
        0.473,
        origin="PaSST",
    ),
    _audioset(
        "passt_s_p16_s12_128_ap470",
        "v0.0.2-audioset/passt-s-f128-p16-s12-ap.470.pt",
        12,
        0.470,
        origin="PaSST",
    ),
    _audioset(
        "passt_s_swa_f128_stfthop100_p16_s10_ap473",
        "v0.0.3-audioset/passt-s-f128-stfthop100-p16-s10-ap.473-swa.pt",
        10,
        0.473,
        max_frames=3200,
        hop_length=100,
        aliases=("stfthop100", "hear21passt.hop100base"),
        note="mel hop 100 samples: 10 s are 3200 frames",
    ),
    _audioset(
        "passt_s_swa_f128_stfthop160_p16_s10_ap473",
        "v0.0.3-audioset/passt-s-f128-stfthop160-p16-s10-ap.473-swa.pt",
        10,
        0.473,
        max_frames=2000,
        hop_length=160,
        aliases=("stfthop160", "hear21passt.hop160base"),
        note="mel hop 160 samples: 10 s are 2000 frames",
    ),
    _audioset(
        "passt-s-f128-20sec-p16-s10-ap474-swa",
        "v0.0.5/passt-s-f128-20sec-p16-s10-ap.474-swa.pt",
        10,
        0.474,
        max_frames=2000,
        aliases=(
            "passt_s_f128_20sec_p16_s10_ap474",
            "passt_20sec",
            "hear21passt.base20sec",
        ),
        note="20 s time encoding",
    ),
    _audioset(
        "passt-s-f128-30sec-p16-s10-ap473-swa",
        "v0.0.5/passt-s-f128-30sec-p16-s10-ap.473-swa.pt",
        10,
        0.473,
        max_frames=3000,
        aliases=(
            "passt_s_f128_30sec_p16_s10_ap473",
            "passt_30sec",
            "hear21passt.base30sec",
        ),
        note="30 s time encoding",
    ),
    _audioset(
        "passt_b_f128_p16_s16_ap_459",
        "v.0.0.7-audioset/passt-b-f128-p16-s16-ap.459.pt",
        16,
        0.459,
        origin="hear",
        note="PaSST-B: trained without Patchout",
    ),
    _audioset(
        "passt_u600_f128_p16_s16_ap_460",
        "v.0.0.7-audioset/passt-u600-f128-p16-s16-ap.460.pt",
        16,
        0.460,
        origin="hear",
        note="PaSST-U: unstructured Patchout of 600 patches",
    ),
    CheckpointInfo(
        "openmic_passt_s_f128_10sec_p16_s10_ap85",
        "v0.0.5/openmic-passt-s-f128-10sec-p16-s10-ap.85.pt",
        10,
        10,
        998,
        320,
        12,
        20,
        "mAP",
        0.85,
        "openmic",
        aliases=("openmic",),
        origin="hear",
        note="OpenMIC-2018 (cfg input size 3200 is not what get_model builds)",
    ),
    CheckpointInfo(
        "fsd50k_passt_s_f128_p16_s10_ap655",
        "v0.0.5/fsd50k-passt-s-f128-p16-s10-ap.655.pt",
        10,
        10,
        998,
        320,
        12,
        200,
        "mAP",
        0.655,
        "fsd50k",
        aliases=("fsd50k",),
        origin="hear",
        note="FSD50K (cfg input size 2000 is not what get_model builds)",
    ),
    CheckpointInfo(
        "fsd50k_passt_s_n_f128_p16_s16_ap642",
        "v0.0.5/fsd50k-passt-s-n-f128-p16-s16-ap.642.pt",
        16,
        16,
        998,
        320,
        12,
        200,
        "mAP",
        0.642,
        "fsd50k",
        aliases=("fsd50k-n",),
        origin="hear",
        note="FSD50K, no patch overlap",
    ),
    CheckpointInfo(
        "openmic2008_passt_u_f128_p16_s10_ap85_swa",
        "v0.0.4-openmic/openmic2008.passt-u-f128-p16-s10-ap.85-swa.pt",
        10,
        10,
        None,
        320,
        12,
        20,
        "mAP",
        0.85,
        "openmic",
        origin="PaSST",
        note="OpenMIC-2018 (time encoding length read from the file)",
    ),
    CheckpointInfo(
        # The original key ends in two spaces; names are stripped on lookup.
        "openmic2008_passt_u_f128_p16_s10_ap85",
        "v0.0.4-openmic/openmic2008.passt-u-f128-p16-s10-ap.85.pt",
        10,
        10,
        None,
        320,
        12,
        20,
        "mAP",
        0.85,
        "openmic",
        origin="PaSST",
        note="OpenMIC-2018 (time encoding length read from the file)",
    ),
    CheckpointInfo(
        "esc50_passt_s_n_f128_p16_s10_fold1_acc967",
        "v.0.0.6/esc50-passt-s-n-f128-p16-s10-fold1-acc.967.pt",
        10,
        10,
        998,
        320,
        12,
        50,
        "accuracy",
        0.967,
        "esc50",
        aliases=("esc50",),
        origin="PaSST",
        note="ESC-50 fold 1 held out (PaSST README); single-label",
    ),
)


def _key(name):
    name = name.strip().lower()
    return name[: -len(".pt")] if name.endswith(".pt") else name


def _index():
    index = {}
    for info in CHECKPOINTS:
        for name in (info.name, info.filename, *info.aliases):
            key = _key(name)
            if key in index:
                raise RuntimeError(f"duplicate registry name {name!r}")
            index[key] = info
    return index


_INDEX = _index()


def checkpoint_names():
    """All names that resolve to a released checkpoint.

    Returns
    -------
    list of str
        Record names first, then aliases, sorted.

    Example
    -------
    >>> "passt_20sec" in checkpoint_names()
    True
    """
    names = [info.name for info in CHECKPOINTS]
    aliases = sorted(alias for info in CHECKPOINTS for alias in info.aliases)
    return names + aliases


def find_checkpoint(name):
    """Look a name, alias or file name up; None when unknown.

    Arguments
    ---------
    name : str or os.PathLike
        A registry name, alias, file name or path to a file whose name is a
        released file name. Case and surrounding spaces are ignored.

    Returns
    -------
    CheckpointInfo or None
        The record.

    Example
    -------
    >>> find_checkpoint("/tmp/passt-s-f128-p16-s16-ap.468.pt").fstride
    16
    >>> find_checkpoint("my_model.pt") is None
    True
    """
    key = _key(os.fspath(name))
    if key in _INDEX:
        return _INDEX[key]
    return _INDEX.get(_key(os.path.basename(key)))


def get_checkpoint(name):
    """Look a released checkpoint up by name, alias or file name.

    Arguments
    ---------
    name : str
        See :func:`find_checkpoint`.

    Returns
    -------
    CheckpointInfo
        The record.

    Raises
    ------
    KeyError
        Unknown name; the message lists the known names.

    Example
    -------
    >>> get_checkpoint("fsd50k-n").num_classes
    200
    """
    info = find_checkpoint(name)
    if info is None:
        raise KeyError(
            f"unknown PaSST checkpoint {name!r}; known names: "
            f"{', '.join(checkpoint_names())}"
        )
    return info


def cache_dir():
    """Folder where checkpoints are cached: torch hub's ``checkpoints``.

    Returns
    -------
    pathlib.Path
        ``torch.hub.get_dir()/checkpoints``.

    Example
    -------
    >>> cache_dir().name
    'checkpoints'
    """
    return Path(torch.hub.get_dir()) / "checkpoints"


class CheckpointUnavailableError(FileNotFoundError):
    """A released checkpoint is neither cached nor downloadable."""


def fetch_checkpoint(name, download=True):
    """Path of a released checkpoint in the cache, downloading it if needed.

    Arguments
    ---------
    name : str
        Name, alias or file name of a released checkpoint.
    download : bool, optional (default: True)
        Download a missing file; False: only look in the cache.

    Returns
    -------
    pathlib.Path
        The cached file.

    Raises
    ------
    CheckpointUnavailableError
        Not cached and not downloadable (offline); the message names the
        file and the folder to place it in.

    Example
    -------
    >>> hub = str(getfixture("tmpdir"))
    >>> getfixture("monkeypatch").setattr(torch.hub, "get_dir", lambda: hub)
    >>> fetch_checkpoint("passt_30sec", download=False)
    Traceback (most recent call last):
    ...
    speechbrain_passt.weights.registry.CheckpointUnavailableError: ...
    """
    info = get_checkpoint(name)
    folder = cache_dir()
    path = folder / info.filename
    if path.is_file():
        return path
    advice = (
        f"download {info.url} and place it as {path} (file "
        f"{info.filename} in folder {folder}), or pass the file's path"
    )
    if not download:
        raise CheckpointUnavailableError(
            f"{info.name} is not in the cache; {advice}"
        )
    folder.mkdir(parents=True, exist_ok=True)
    try:
        torch.hub.download_url_to_file(info.url, os.fspath(path))
    except Exception as error:
        raise CheckpointUnavailableError(
            f"could not download {info.name} ({error}); {advice}"
        ) from error
    return path
