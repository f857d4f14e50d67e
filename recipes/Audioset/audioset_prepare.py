"""Data preparation for AudioSet (527 classes, multi-label).

AudioSet ships no audio: users download the clips from YouTube, e.g. with
the PANNs scripts. This script reads what such a download looks like:

* the official segment lists ``balanced_train_segments.csv``,
  ``unbalanced_train_segments.csv`` (or PaSST's
  ``unbalanced_partial_csvs/*.csv``) and ``eval_segments.csv``: three
  ``#`` header lines, then ``YTID, start, end, "mid1,mid2,..."`` rows;
  looked for in ``<data_folder>/metadata/`` and ``<data_folder>/``;
* the audio as ``Y<YTID>.<wav|flac|mp3>`` files anywhere below one folder
  per split (``<audio_folder>/<split name>/``, e.g. PANNs'
  ``audios/unbalanced_train_segments/unbalanced_train_segments_part07/``),
  with ``audio_folder`` ``<data_folder>/audios`` or ``<data_folder>/audio``.

Classes are numbered in the order of ``class_labels_indices.csv``, which is
the output order of every released PaSST head; the package ships that file
(a copy in the data folder is checked against it). Clips that were never
downloaded are left out and counted (``skip_missing``); unreadable or
empty files are an error unless ``skip_bad_clips`` is set. Every clip is
resampled once to 32 kHz mono into ``cache_folder``. Written to
``save_folder``: ``train.json`` (balanced, then unbalanced when
``use_unbalanced``), ``eval.json``, ``labels.json`` (display names in head
order), ``prepare_report.json`` (counts per split) and, if any,
``bad_clips.txt``.

Authors
 * speechbrain-passt developers 2026
"""

import csv
import logging
import os
from pathlib import Path

from speechbrain_passt.data.clip_checks import Clip
from speechbrain_passt.data.labels import read_audioset_classes
from speechbrain_passt.data.preparation import prepare_dataset

logger = logging.getLogger(__name__)

SPLITS = {
    "balanced": "balanced_train_segments",
    "unbalanced": "unbalanced_train_segments",
    "eval": "eval_segments",
}
AUDIO_EXTENSIONS = (".wav", ".flac", ".mp3")
# Shown first when no clip has the expected name.
AUDIO_LIKE = AUDIO_EXTENSIONS + (".ogg", ".opus", ".m4a", ".webm", ".aac")


def read_segments(path, mid_to_index):
    """Read an AudioSet segment list.

    Arguments
    ---------
    path : str or os.PathLike
        A ``*_segments.csv`` file (three ``#`` header lines, then
        ``YTID, start_seconds, end_seconds, "mid,mid,..."``).
    mid_to_index : dict
        Class mid -> class index.

    Returns
    -------
    list of tuple
        ``(ytid, sorted class indices)`` in file order.

    Example
    -------
    >>> path = getfixture("tmp_path") / "eval_segments.csv"
    >>> _ = path.write_text(
    ...     "# created\\n# num_ytids=1\\n# YTID, start, end, labels\\n"
    ...     '--4gqARaEJE, 0.000, 10.000, "/m/b,/m/a"\\n'
    ... )
    >>> read_segments(path, {"/m/a": 0, "/m/b": 1})
    [('--4gqARaEJE', [0, 1])]
    """
    segments = []
    # utf-8-sig: also read a copy re-saved with a byte-order mark.
    with open(path, newline="", encoding="utf-8-sig") as fin:
        reader = csv.reader(fin, skipinitialspace=True)
        for row in reader:
            if not row or row[0].startswith("#"):
                continue
            line = reader.line_num
            if len(row) != 4:
                raise ValueError(
                    f"{path}, line {line}: expected YTID, start, end, "
                    f'"labels" (4 fields), got {row}'
                )
            mids = [m.strip() for m in row[3].split(",") if m.strip()]
            unknown = [m for m in mids if m not in mid_to_index]
            if unknown or not mids:
                raise ValueError(
                    f"{path}, line {line}: unknown or no class mids {unknown} "
                    "(not in class_labels_indices.csv)"
                )
            segments.append(
                (row[0].strip(), sorted({mid_to_index[m] for m in mids}))
            )
    return segments


def find_metadata(data_folder, name):
    """Find a metadata file in ``<data_folder>/metadata`` or the folder.

    Arguments
    ---------
    data_folder : str or os.PathLike
        The AudioSet folder.
    name : str
        File name.

    Returns
    -------
    pathlib.Path or None
        The file, None when absent.

    Example
    -------
    >>> find_metadata(getfixture("tmp_path"), "eval_segments.csv") is None
    True
    """
    for folder in (Path(data_folder) / "metadata", Path(data_folder)):
        if (folder / name).is_file():
            return folder / name
    return None


def index_audio(folder):
    """Map YTIDs to the ``Y<YTID>.<ext>`` files anywhere below a folder.

    Arguments
    ---------
    folder : str or os.PathLike
        A split's audio folder (part subfolders included).

    Returns
    -------
    dict
        ``ytid -> path``; when a clip exists in several formats, the first
        of wav, flac, mp3 wins.

    Example
    -------
    >>> tmp = getfixture("tmp_path")
    >>> _ = (tmp / "part00").mkdir()
    >>> _ = (tmp / "part00" / "Yabc.flac").write_bytes(b"")
    >>> {k: Path(v).name for k, v in index_audio(tmp).items()}
    {'abc': 'Yabc.flac'}
    """
    found = {}
    rank = {ext: i for i, ext in enumerate(AUDIO_EXTENSIONS)}
    for parent, _, names in os.walk(folder):
        for name in names:
            stem, ext = os.path.splitext(name)
            if not stem.startswith("Y") or ext.lower() not in rank:
                continue
            ytid = stem[1:]
            old = found.get(ytid)
            if old is None or rank[ext.lower()] < rank[old[0]]:
                found[ytid] = (ext.lower(), os.path.join(parent, name))
    return {ytid: path for ytid, (_, path) in found.items()}


EXPECTED_NAMING = (
    "Y<YTID>.wav, .flac or .mp3 files (PANNs' naming, e.g. "
    "Y--4gqARaEJE.wav), in part subfolders or not"
)


def _example_file(folder):
    """A file below a folder, audio-looking ones first, or None."""
    first = None
    for parent, dirs, names in os.walk(folder):
        dirs.sort()
        for name in sorted(names):
            if name.startswith("."):
                continue
            if os.path.splitext(name)[1].lower() in AUDIO_LIKE:
                return os.path.join(parent, name)
            first = first or os.path.join(parent, name)
    return first


def no_audio_message(folder):
    """Why a split's audio folder gave no clip, with the naming expected.

    Arguments
    ---------
    folder : str or os.PathLike
        The split's audio folder, in which :func:`index_audio` found no
        ``Y<YTID>.<ext>`` file.

    Returns
    -------
    str
        The message: the folder is missing or empty, or holds files under
        another naming (one of them is shown).

    Example
    -------
    >>> tmp = getfixture("tmp_path")
    >>> _ = (tmp / "--4gqARaEJE_0.wav").write_bytes(b"")
    >>> print(no_audio_message(tmp))
    AudioSet: no file in ... is named as expected: Y<YTID>.wav, .flac or
    .mp3 files (PANNs' naming, e.g. Y--4gqARaEJE.wav), in part subfolders or
    not; found e.g. .../--4gqARaEJE_0.wav. Rename the clips (or point
    audio_folder to the right folder); the listed clips count as missing.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return (
            f"AudioSet: audio folder {folder} does not exist; expected a "
            f"folder per split holding {EXPECTED_NAMING} (set audio_folder)"
        )
    example = _example_file(folder)
    if example is None:
        return f"AudioSet: {folder} is empty; expected {EXPECTED_NAMING}"
    return (
        f"AudioSet: no file in {folder} is named as expected: "
        f"{EXPECTED_NAMING}; found e.g. {example}. Rename the clips (or "
        "point audio_folder to the right folder); the listed clips count "
        "as missing."
    )


def _audio_folder(data_folder, audio_folder):
    if audio_folder is not None:
        return Path(audio_folder)
    for name in ("audios", "audio"):
        if (Path(data_folder) / name).is_dir():
            return Path(data_folder) / name
    return Path(data_folder)


def _segment_files(data_folder, split):
    """The csv (or PaSST's partial csvs) that list a split."""
    path = find_metadata(data_folder, f"{SPLITS[split]}.csv")
    if path is not None:
        return [path]
    if split == "unbalanced":
        for folder in (Path(data_folder) / "metadata", Path(data_folder)):
            parts = sorted((folder / "unbalanced_partial_csvs").glob("*.csv"))
            if parts:
                return parts
    raise FileNotFoundError(
        f"AudioSet: {SPLITS[split]}.csv not found in {data_folder}/metadata "
        f"or {data_folder} (download it from "
        "https://research.google.com/audioset/download.html)"
    )


def check_class_order(data_folder):
    """Check a data folder's class list against the shipped one.

    Arguments
    ---------
    data_folder : str or os.PathLike
        The AudioSet folder.

    Returns
    -------
    tuple
        ``(mids, names)`` of the shipped class list.

    Example
    -------
    >>> mids, names = check_class_order(getfixture("tmp_path"))
    >>> names[137]
    'Music'
    """
    mids, names = read_audioset_classes()
    local = find_metadata(data_folder, "class_labels_indices.csv")
    if local is not None and read_audioset_classes(local)[0] != mids:
        raise ValueError(
            f"{local} orders the classes differently from the official "
            "class_labels_indices.csv shipped with speechbrain_passt, whose "
            "order the released heads use; remove or replace the file"
        )
    return mids, names


def prepare_audioset(
    data_folder,
    save_folder,
    cache_folder,
    sample_rate=32000,
    use_unbalanced=True,
    audio_folder=None,
    skip_missing=True,
    skip_bad_clips=False,
    audio_format="flac",
    num_workers=0,
):
    """Check, resample and write the AudioSet manifests.

    Arguments
    ---------
    data_folder : str or os.PathLike
        Folder with the segment csvs (directly or in ``metadata/``).
    save_folder : str or os.PathLike
        Where the manifests and reports are written.
    cache_folder : str or os.PathLike
        Resampled-audio cache.
    sample_rate : int, optional (default: 32000)
        Model sample rate.
    use_unbalanced : bool, optional (default: True)
        Train on balanced + unbalanced (the paper); False: balanced only.
    audio_folder : str or os.PathLike, optional
        Folder holding one subfolder per split; default ``audios/`` or
        ``audio/`` in ``data_folder``.
    skip_missing : bool, optional (default: True)
        Leave out (and count) listed clips that were not downloaded.
    skip_bad_clips : bool, optional (default: False)
        Also leave out unreadable or empty files instead of raising.
    audio_format : str, optional (default: "flac")
        Cache format (``flac`` halves the disk space of ``wav``).
    num_workers : int, optional (default: 0)
        Parallel workers for checking and resampling.

    Returns
    -------
    dict
        Paths of ``train``, ``eval`` and ``labels``, and ``counts`` per
        split (``total``, ``kept``, ``missing``, ``unreadable``,
        ``empty``).
    """

    def read_splits():
        mids, names = check_class_order(data_folder)
        mid_to_index = {mid: i for i, mid in enumerate(mids)}
        root = _audio_folder(data_folder, audio_folder)
        used = ["balanced", "eval"] + (["unbalanced"] if use_unbalanced else [])
        splits, seen = {}, set()
        for split in used:
            segments = []
            for path in _segment_files(data_folder, split):
                segments += read_segments(path, mid_to_index)
            folder = root / SPLITS[split]
            audio = index_audio(folder) if folder.is_dir() else {}
            if not audio:
                logger.warning(no_audio_message(folder))
            clips = []
            for ytid, classes in segments:
                if ytid in seen:
                    logger.warning("AudioSet: %s listed twice, kept once", ytid)
                    continue
                seen.add(ytid)
                clips.append(
                    Clip(
                        ytid,
                        audio.get(ytid, folder / f"Y{ytid}.wav"),
                        f"{SPLITS[split]}/Y{ytid}",
                        {"class_ids": classes, "subset": split},
                    )
                )
            splits[split] = clips
        return splits, names

    return prepare_dataset(
        "AudioSet",
        read_splits,
        {"train": ["balanced", "unbalanced"], "eval": ["eval"]},
        save_folder,
        cache_folder,
        options={
            "data_folder": os.path.abspath(data_folder),
            "audio_folder": audio_folder and os.path.abspath(audio_folder),
            "use_unbalanced": use_unbalanced,
        },
        sample_rate=sample_rate,
        skip_bad_clips=skip_bad_clips,
        skip_missing=skip_missing,
        audio_format=audio_format,
        num_workers=num_workers,
    )
