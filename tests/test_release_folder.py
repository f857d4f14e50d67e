"""One-line pretrained use: a released checkpoint's name works wherever a
pretrained folder does, downloaded once, converted once, reused offline.

A tiny fake release (a small PaSST in the original checkpoint layout) sits
in a temporary torch hub cache; any download attempt is refused and
recorded.

Authors
 * speechbrain-passt developers 2026
"""

import json
import urllib.error

import numpy as np
import pytest
import soundfile
import torch

from speechbrain_passt import PaSST, PaSSTHead
from speechbrain_passt.cli import convert, export, tag
from speechbrain_passt.data.labels import audioset_labels
from speechbrain_passt.inference import PaSSTClassifier, release
from speechbrain_passt.weights import (
    HEAD_KEYS,
    CheckpointUnavailableError,
    load_pretrained_weights,
    registry,
)
from speechbrain_passt.weights.registry import CheckpointInfo, cache_dir

CPU = {"device": "cpu"}
TINY = CheckpointInfo(
    name="tiny_passt",
    path="v0.0.0-test/tiny-passt-ap.123.pt",
    fstride=10,
    tstride=10,
    max_frames=200,
    hop_length=320,
    depth=1,
    num_classes=527,
    metric="mAP",
    score=0.123,
    label_set="audioset",
    aliases=("tiny",),
)


@pytest.fixture
def hub(tmp_path, monkeypatch):
    """torch hub's cache in a temporary folder; downloads are refused."""
    folder = tmp_path / "hub"
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(folder))
    attempts = []

    def offline(url, *args, **kwargs):
        """A download attempt without network."""
        attempts.append(url)
        raise urllib.error.URLError(f"offline test: refused {url}")

    monkeypatch.setattr(torch.hub, "download_url_to_file", offline)
    return folder, attempts


def original_layout(info, embed_dim=64):
    """A small random PaSST with ``info``'s shape, in the original layout."""
    torch.manual_seed(0)
    encoder = PaSST(
        embed_dim=embed_dim,
        num_heads=embed_dim // 64,
        depth=info.depth,
        fstride=info.fstride,
        tstride=info.tstride,
        max_frames=info.max_frames,
    )
    head = PaSSTHead(embed_dim, info.num_classes)
    state = dict(encoder.state_dict())
    head_state = head.state_dict()
    for original, ours in HEAD_KEYS.items():
        state[original] = head_state[ours]
    return state


@pytest.fixture
def tiny_release(hub, monkeypatch):
    """The fake release registered under ``tiny_passt``/``tiny``, its file
    in the cache, and the default model; counts the conversions."""
    for key in (TINY.name, "tiny", TINY.filename[: -len(".pt")]):
        monkeypatch.setitem(registry._INDEX, key, TINY)
    monkeypatch.setattr(release, "DEFAULT_CHECKPOINT", TINY.name)
    path = cache_dir() / TINY.filename
    path.parent.mkdir(parents=True)
    torch.save(original_layout(TINY), path)
    conversions = []
    convert_checkpoint = release.convert_checkpoint

    def counted(*args, **kwargs):
        """Count the conversions."""
        conversions.append(args[0])
        return convert_checkpoint(*args, **kwargs)

    monkeypatch.setattr(release, "convert_checkpoint", counted)
    return conversions


@pytest.fixture
def wav(tmp_path):
    path = tmp_path / "dog.wav"
    noise = 0.1 * np.random.default_rng(0).standard_normal(16000)
    soundfile.write(str(path), noise.astype(np.float32), 16000)
    return str(path)


def test_name_loads_offline_and_converts_once(hub, tiny_release, wav):
    folder, attempts = hub
    classifier = PaSSTClassifier.from_hparams(source="tiny", run_opts=CPU)
    assert classifier.labels == audioset_labels()
    out_prob, _, _, text_lab = classifier.classify_file(wav)
    assert out_prob.shape == (1, 527) and text_lab[0] in classifier.labels
    again = PaSSTClassifier.from_hparams(TINY.filename, run_opts=CPU)
    assert torch.equal(again.classify_file(wav)[0], out_prob)
    assert len(tiny_release) == 1 and attempts == []
    converted = folder / "speechbrain_passt"
    assert [p.name for p in converted.iterdir()] == [TINY.name]  # no staging
    text = (converted / TINY.name / "hyperparams.yaml").read_text()
    assert str(converted / TINY.name) in text
    card = (converted / TINY.name / "README.md").read_text()
    assert TINY.url in card and "mAP 0.123" in card


def test_passt_tag_default_and_named_model(hub, tiny_release, wav, capsys):
    _, attempts = hub
    assert tag.main([wav, "--json", "--top-k", "2"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert len(record["tags"]) == 2
    assert record["tags"][0]["label"] in audioset_labels()
    assert tag.main([wav, "--model", "tiny", "--json", "--top-k", "2"]) == 0
    assert json.loads(capsys.readouterr().out) == record
    assert len(tiny_release) == 1 and attempts == []


def test_release_file_given_by_path(hub, tiny_release, tmp_path, wav):
    downloaded = tmp_path / "downloads" / TINY.filename
    downloaded.parent.mkdir()
    (cache_dir() / TINY.filename).rename(downloaded)
    classifier = PaSSTClassifier.from_hparams(str(downloaded), run_opts=CPU)
    assert len(classifier.labels) == 527 and len(tiny_release) == 1


def test_real_registry_names_share_one_folder(hub):
    """passt-s, its hear21passt alias and its file name: one conversion."""
    info = registry.get_checkpoint("passt-s")
    path = cache_dir() / info.filename
    path.parent.mkdir(parents=True)
    torch.save(original_layout(info), path)
    folders = {
        release.release_folder(name)
        for name in ("passt-s", "hear21passt.base", info.filename)
    }
    assert folders == {hub[0] / "speechbrain_passt" / info.name}
    model = PaSSTClassifier.from_hparams(source="passt-s", run_opts=CPU)
    assert model.window_seconds == pytest.approx(9.99, abs=0.1)


def test_offline_without_the_file_says_what_to_do(hub):
    folder, attempts = hub
    with pytest.raises(CheckpointUnavailableError) as error:
        PaSSTClassifier.from_hparams(source="passt-s")
    message = str(error.value)
    info = registry.get_checkpoint("passt-s")
    assert info.filename in message and info.url in message
    assert str(folder / "checkpoints") in message
    assert attempts == [info.url]  # one attempt, no retries
    assert not (folder / "speechbrain_passt" / info.name).exists()


def test_recipes_pretrained_and_passt_export_take_names(
    hub, tiny_release, tmp_path, capsys
):
    encoder = PaSST(embed_dim=64, num_heads=1, depth=1, max_frames=200)
    head = PaSSTHead(64, 10)
    assert load_pretrained_weights(encoder, head, "tiny") is False
    pytest.importorskip("onnxscript")
    out = tmp_path / "tiny.onnx"
    assert export.main(["tiny", str(out)]) == 0
    assert out.is_file()


def test_passt_convert_writes_a_model_card(hub, tiny_release, tmp_path):
    out = tmp_path / "converted"
    assert convert.main(["tiny", str(out)]) == 0
    card = (out / "README.md").read_text()
    for part in ("## Source", "## Labels", "## Metric", "## Licence"):
        assert part in card
    assert TINY.url in card and "527 classes, multi-label" in card
    assert "mAP 0.123 on AudioSet" in card and "license: apache-2.0" in card
    assert f"passt-tag --model {out}" in card
    # Weights that are no release: no metric, licence to be stated.
    other = tmp_path / "mine.pt"
    torch.save(original_layout(TINY), other)
    mine = tmp_path / "mine"
    assert convert.main([str(other), str(mine), "--max-frames", "200"]) == 0
    card = (mine / "README.md").read_text()
    assert "license: other" in card and "Not known" in card
