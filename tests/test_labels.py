"""Label files of every dataset format, read through
speechbrain_passt.data.labels (one reader per format, read_labels picks)."""

import json

import pytest
from fake_datasets import OPENMIC_CLASSES, make_fsd50k, make_openmic

from speechbrain_passt.data.labels import (
    audioset_csv,
    audioset_labels,
    in_index_order,
    placeholder_labels,
    read_audioset_classes,
    read_category_csv,
    read_json_labels,
    read_labels,
    read_text_labels,
    read_vocabulary_csv,
)
from speechbrain_passt.data.manifests import write_labels

ESC50_CSV = (
    "filename,fold,target,category,esc10,src_file,take\n"
    "1-1-A-2.wav,1,2,rooster,False,1,A\n"
    "1-2-A-0.wav,1,0,dog,True,2,A\n"
    "2-3-A-0.wav,2,0,dog,True,3,A\n"
)


def test_text_labels(tmp_path):
    path = tmp_path / "labels.txt"
    path.write_text("Dog\n\n  Rooster, crowing \n")
    assert read_text_labels(path) == ["Dog", "Rooster, crowing"]
    assert read_labels(path) == read_text_labels(path)


def test_json_list_written_by_preparation(tmp_path):
    path = write_labels(["dog", "cat"], tmp_path / "labels.json")
    assert read_json_labels(path) == ["dog", "cat"]
    assert read_labels(path) == ["dog", "cat"]
    path.write_text(json.dumps({"dog": "0"}))
    with pytest.raises(ValueError, match="JSON list of class names"):
        read_labels(path)


def test_json_class_map_of_openmic(tmp_path):
    make_openmic(tmp_path / "openmic")
    path = tmp_path / "openmic" / "class-map.json"
    assert read_json_labels(path) == OPENMIC_CLASSES
    assert read_labels(path) == OPENMIC_CLASSES


def test_audioset_class_list(tmp_path):
    mids, names = read_audioset_classes()
    assert names == audioset_labels() == read_labels(audioset_csv())
    assert len(mids) == 527 and mids[137] == "/m/04rlf"
    # Row order does not matter; the index column does.
    path = tmp_path / "class_labels_indices.csv"
    path.write_text(
        'index,mid,display_name\n1,/m/b,"Bark, loud"\n0,/m/a,Accordion\n'
    )
    assert read_audioset_classes(path) == (
        ["/m/a", "/m/b"],
        ["Accordion", "Bark, loud"],
    )
    assert read_labels(path) == ["Accordion", "Bark, loud"]
    path.write_text("index,display_name\n0,Accordion\n")
    with pytest.raises(ValueError, match="index,mid,display_name"):
        read_audioset_classes(path)


def test_fsd50k_vocabulary(tmp_path):
    make_fsd50k(tmp_path / "fsd")
    path = tmp_path / "fsd" / "FSD50K.ground_truth" / "vocabulary.csv"
    names = read_vocabulary_csv(path)
    assert names[0] == "Bark" and read_labels(path) == names
    path.write_text("0,a\n2,b\n")
    with pytest.raises(ValueError, match="0..N-1"):
        read_labels(path)


def test_esc50_categories(tmp_path):
    path = tmp_path / "esc50.csv"
    path.write_text(ESC50_CSV)
    assert read_category_csv(path, fill_gaps=True) == [
        "dog",
        "class_1",
        "rooster",
    ]
    with pytest.raises(ValueError, match="0..N-1"):
        read_labels(path)  # the public entry accepts no gap
    path.write_text(ESC50_CSV + "3-4-A-0.wav,3,0,cat,False,4,A\n")
    with pytest.raises(ValueError, match="index 0 is both 'dog' and 'cat'"):
        read_category_csv(path, fill_gaps=True)


def test_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="none.txt"):
        read_labels(tmp_path / "none.txt")
    duplicated = tmp_path / "dup.txt"
    duplicated.write_text("a\nb\na\n")
    with pytest.raises(ValueError, match=r"dup.txt: duplicate labels \['a'\]"):
        read_labels(duplicated)
    unknown = tmp_path / "odd.csv"
    unknown.write_text("name,id\nx,0\n")
    with pytest.raises(ValueError, match="unknown csv layout"):
        read_labels(unknown)
    empty = tmp_path / "empty.txt"
    empty.write_text("\n")
    with pytest.raises(ValueError, match="holds no labels"):
        read_labels(empty)


def test_in_index_order_and_placeholders():
    assert in_index_order([(1, "b"), ("0", "a")], "x") == ["a", "b"]
    with pytest.raises(ValueError, match="not an integer"):
        in_index_order([("one", "a")], "x")
    assert placeholder_labels(3) == ["class_0", "class_1", "class_2"]
