"""Every prepare script reads its dataset's metadata as it is published
(issue 10, point 1): the files' own rows, quoting and column names, and
copies re-saved by a spreadsheet program (UTF-8 with a byte-order mark,
CRLF line ends)."""

import json
import shutil
from pathlib import Path

import pytest
from fake_datasets import (
    make_audioset,
    make_dcase20,
    make_fsd50k,
    make_openmic,
    resave_with_bom_and_crlf,
)
from recipe_modules import load_recipe_module

from speechbrain_passt.data.labels import read_audioset_classes, read_labels

ESC50_MINI = Path(__file__).parent / "data" / "esc50_mini"


def _make_esc50(root):
    shutil.copytree(ESC50_MINI, root)
    return {}


PREPARE = {
    "Audioset": ("audioset_prepare", "prepare_audioset", make_audioset),
    "OpenMIC": ("openmic_prepare", "prepare_openmic", make_openmic),
    "DCASE20": ("dcase20_prepare", "prepare_dcase20", make_dcase20),
    "FSD50K": ("fsd50k_prepare", "prepare_fsd50k", make_fsd50k),
    "ESC50": ("esc50_passt_prepare", "prepare_esc50_passt", _make_esc50),
}


def _module(dataset):
    return load_recipe_module(dataset, PREPARE[dataset][0])


def _manifests(files):
    return {
        name: json.loads(Path(path).read_text())
        for name, path in files.items()
        if name != "counts"
    }


@pytest.mark.parametrize("dataset", sorted(PREPARE))
def test_metadata_resaved_with_bom_and_crlf(dataset, tmp_path):
    """The same manifests from the published files and from copies with a
    byte-order mark and CRLF line ends (the BOM used to stick to the first
    column's name: "missing columns ['filename']")."""
    script, function, make = PREPARE[dataset]
    prepare = getattr(_module(dataset), function)
    data = tmp_path / "data"
    make(data)
    cache = tmp_path / "cache"
    plain = _manifests(prepare(data, tmp_path / "plain", cache))
    assert resave_with_bom_and_crlf(data)
    resaved = _manifests(prepare(data, tmp_path / "bom", cache))
    assert resaved == plain


AUDIOSET_PUBLISHED = (
    "# Segments csv created Sun Mar  5 10:54:25 2017\n"
    "# num_ytids=20371, num_segs=20371, num_unique_labels=527, "
    "num_positive_labels=51804\n"
    "# YTID, start_seconds, end_seconds, positive_labels\n"
    '--4gqARaEJE, 0.000, 10.000, "/m/068hy,/m/07q6cd_,/m/0bt9lr,/m/0jbk"\n'
    '--BfvyPmVMo, 20.000, 30.000, "/m/03l9g"\n'
)


def test_audioset_published_segment_rows(tmp_path):
    """Comment header lines, a blank after each comma, quoted mid lists."""
    path = tmp_path / "eval_segments.csv"
    path.write_text(AUDIOSET_PUBLISHED)
    mids, _ = read_audioset_classes()
    index = {mid: i for i, mid in enumerate(mids)}
    segments = _module("Audioset").read_segments(path, index)
    # Animal 72, Domestic animals 73, Dog 74, Squeak 361; Hammer 419.
    assert segments == [
        ("--4gqARaEJE", [72, 73, 74, 361]),
        ("--BfvyPmVMo", [419]),
    ]


def test_audioset_mid_list_with_blanks_inside_the_quotes(tmp_path):
    path = tmp_path / "eval_segments.csv"
    path.write_text(
        AUDIOSET_PUBLISHED.replace('"/m/03l9g"', '" /m/03l9g , /m/0jbk "')
    )
    mids, _ = read_audioset_classes()
    index = {mid: i for i, mid in enumerate(mids)}
    segments = _module("Audioset").read_segments(path, index)
    assert segments[1] == ("--BfvyPmVMo", [72, 419])


def test_audioset_class_list_as_published():
    """index,mid,display_name with quoted names that hold commas."""
    mids, names = read_audioset_classes()
    assert names[1] == "Male speech, man speaking" and mids[73] == "/m/068hy"


def test_fsd50k_published_rows(tmp_path):
    """dev.csv: fname,labels,mids,split with quoted, comma-joined labels
    and mids; vocabulary.csv: header-less index,label,mid."""
    vocabulary = tmp_path / "vocabulary.csv"
    names = [
        "Electric_guitar",
        "Guitar",
        "Music",
        "Musical_instrument",
        "Plucked_string_instrument",
    ]
    vocabulary.write_text(
        "".join(f"{i},{name},/m/x{i}\n" for i, name in enumerate(names))
    )
    assert read_labels(vocabulary) == names
    dev = tmp_path / "dev.csv"
    dev.write_text(
        "fname,labels,mids,split\n"
        '64760,"Electric_guitar,Guitar,Plucked_string_instrument,'
        'Musical_instrument,Music","/m/02sgy,/m/0342h,/m/0fx80y,/m/04szw,'
        '/m/04rlf",train\n'
        "16399,Music,/m/04rlf,val\n"
    )
    rows = _module("FSD50K").read_ground_truth(
        dev, {n: i for i, n in enumerate(names)}, True
    )
    assert rows == [
        {"fname": "64760", "class_ids": [0, 1, 2, 3, 4], "split": "train"},
        {"fname": "16399", "class_ids": [2], "split": "val"},
    ]


def test_dcase20_published_rows(tmp_path):
    """meta.csv: tab-separated filename scene_label identifier
    source_label, the file name with its audio/ folder."""
    (tmp_path / "meta.csv").write_text(
        "filename\tscene_label\tidentifier\tsource_label\n"
        "audio/airport-barcelona-0-0-a.wav\tairport\tbarcelona-0\ta\n"
        "audio/tram-vienna-285-8639-s6.wav\ttram\tvienna-285\ts6\n"
    )
    meta = _module("DCASE20").read_meta(tmp_path)
    assert meta["audio/tram-vienna-285-8639-s6.wav"] == {
        "scene": "tram",
        "device": "s6",
        "city": "vienna",
        "identifier": "vienna-285",
    }


def test_dcase20_comma_separated_copy_is_named(tmp_path):
    (tmp_path / "meta.csv").write_text(
        "filename,scene_label,identifier,source_label\n"
    )
    with pytest.raises(ValueError, match="is it tab separated"):
        _module("DCASE20").read_meta(tmp_path)


def test_esc50_published_columns(tmp_path):
    """meta/esc50.csv: filename,fold,target,category,esc10,src_file,take."""
    rows = _module("ESC50").read_metadata(ESC50_MINI)
    header = (ESC50_MINI / "meta" / "esc50.csv").read_text().splitlines()[0]
    assert header == "filename,fold,target,category,esc10,src_file,take"
    assert rows[0] == {
        "filename": "1-100032-A-0.wav",
        "fold": 1,
        "target": 0,
        "category": "dog",
    }


def test_openmic_partitions_and_class_map_as_published(tmp_path):
    """Header-less partition files (CRLF or not) and class-map.json."""
    module = _module("OpenMIC")
    info = make_openmic(tmp_path / "data", num_train=2, num_test=1)
    part = tmp_path / "data" / "partitions" / "split01_train.csv"
    part.write_bytes(b"\xef\xbb\xbf000000_3840\r\n000001_7680\r\n \r\n")
    assert module.read_partition(tmp_path / "data", part.name) == [
        "000000_3840",
        "000001_7680",
    ]
    assert module.instrument_names(tmp_path / "data")[19] == "voice"
    assert info["keys"][0] == ["000000_3840", "000001_7680"]
