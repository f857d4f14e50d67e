"""Tests of one encoder pass per core on the CPU (core_parallel) and of
its use in ``run_in_batches`` and the classifier.

Authors
 * speechbrain-passt developers 2026
"""

import json
import threading

import pytest
import soundfile
import torch

from speechbrain_passt import PaSST, PaSSTFbank, PaSSTHead
from speechbrain_passt.cli.tag import main
from speechbrain_passt.inference import (
    AudioReadError,
    PaSSTClassifier,
    classifier,
    runner,
)
from speechbrain_passt.inference.core_parallel import (
    MIN_TOKENS_PER_CORE,
    map_on_cores,
    passes_per_core,
)
from speechbrain_passt.weights import export_pretrained_folder

CPU = torch.device("cpu")


@pytest.fixture
def two_threads():
    """torch on two intra-op threads for the test, then as before."""
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def test_map_on_cores_keeps_order_and_the_callers_settings(two_threads):
    seen = []

    def record(item):
        seen.append(
            (
                threading.get_ident(),
                torch.get_num_threads(),
                torch.is_grad_enabled(),
                torch.is_inference_mode_enabled(),
            )
        )
        return item * 10

    with torch.no_grad():
        assert map_on_cores(record, range(5)) == [0, 10, 20, 30, 40]
    assert all(ident != threading.get_ident() for ident, *_ in seen)
    assert {entry[1:] for entry in seen} == {(1, False, False)}
    seen.clear()
    with torch.inference_mode():
        map_on_cores(record, range(3))
    assert {entry[1:] for entry in seen} == {(1, False, True)}
    seen.clear()
    map_on_cores(record, range(3))
    assert {entry[1:] for entry in seen} == {(1, True, False)}
    assert torch.get_num_threads() == 2


def test_map_on_cores_one_worker_is_a_plain_loop(two_threads):
    idents = map_on_cores(lambda _: threading.get_ident(), [1, 2], workers=1)
    assert idents == [threading.get_ident()] * 2
    assert map_on_cores(lambda x: x, []) == []


def test_map_on_cores_raises_and_restores_the_thread_count(two_threads):
    def fail(item):
        if item == 2:
            raise ValueError("clip 2 is broken")
        return item

    with pytest.raises(ValueError, match="clip 2"):
        map_on_cores(fail, range(4))
    assert torch.get_num_threads() == 2


def test_passes_per_core_rule(two_threads):
    long, short = MIN_TOKENS_PER_CORE, MIN_TOKENS_PER_CORE - 1
    assert passes_per_core(CPU, long) and not passes_per_core(CPU, short)
    assert passes_per_core(CPU, 1, one_pass_per_window=True)
    assert not passes_per_core(torch.device("cuda"), long)
    compiled = torch.compile(torch.nn.Linear(2, 2))
    assert not passes_per_core(CPU, long, True, encoder=compiled)
    assert passes_per_core(CPU, long, True, encoder=torch.nn.Linear(2, 2))
    torch.set_num_threads(1)
    assert not passes_per_core(CPU, long)
    assert not passes_per_core(CPU, 1, one_pass_per_window=True)


@pytest.fixture(scope="module")
def tiny():
    torch.manual_seed(0)
    encoder = PaSST(embed_dim=32, depth=1, num_heads=2, max_frames=400)
    return PaSSTFbank().eval(), encoder.eval(), PaSSTHead(32, 5).eval()


def windows_of(seconds, count=3):
    gen = torch.Generator().manual_seed(1)
    size = int(seconds * 32000)
    return [(i, 0, torch.randn(size, generator=gen)) for i in range(count)]


@pytest.mark.parametrize("seconds", [1.0, 3.5])
def test_long_cpu_windows_run_one_per_core_with_the_batched_result(
    tiny, two_threads, monkeypatch, seconds
):
    """12 x 35 = 420 tokens for 3.5 s (per core), 12 x 9 = 108 for 1 s
    (batched); either way the outputs are what one batched pass gives."""
    calls = []
    spread = runner.map_on_cores

    def spy(function, items):
        calls.append(len(items))
        return spread(function, items)

    windows = windows_of(seconds)
    with torch.no_grad():
        batched = runner.run_windows(*tiny, [w for _, _, w in windows])
        monkeypatch.setattr(runner, "map_on_cores", spy)
        out = list(runner.run_in_batches(*tiny, iter(windows), batch_size=3))
    assert calls == ([3] if seconds > 3 else [])
    for (_, (logits, embedding, _)), (ref_logits, ref_emb, _) in zip(
        out, batched, strict=True
    ):
        assert torch.allclose(logits, ref_logits, atol=1e-5)
        assert torch.allclose(embedding, ref_emb, atol=1e-5)
    assert [window[0] for window, _ in out] == [0, 1, 2]


def test_a_bad_window_is_named_from_a_worker(tiny, two_threads):
    windows = windows_of(3.5)
    windows[1][2][100] = float("nan")
    with torch.no_grad(), pytest.raises(ValueError, match="b.* non-finite"):
        list(
            runner.run_in_batches(
                *tiny, iter(windows), batch_size=3, names=["a", "b", "c"]
            )
        )


@pytest.mark.parametrize("precision", ["fp32", "int8"])
def test_classifier_per_core_passes_eager_not_compiled(
    tiny, two_threads, monkeypatch, precision
):
    """The classifier spreads long clips over the cores when eager, not
    when compiled (fp32; int8 on an x86 CPU stays eager), and a clip's
    scores are what it gets alone."""
    features, encoder, head = tiny
    clips = torch.stack([w for _, _, w in windows_of(3.5, count=2)])
    calls = []
    spread = runner.map_on_cores

    def spy(function, items):
        calls.append(len(items))
        return spread(function, items)

    monkeypatch.setattr(runner, "map_on_cores", spy)
    for compile_ in (False, True):
        calls.clear()
        tagger = PaSSTClassifier.from_modules(
            encoder,
            head,
            [f"class {i}" for i in range(5)],
            run_opts={"device": "cpu"},
            precision=precision,
            compile=compile_,
        )
        both = tagger(clips)
        alone = tagger(clips[1:])
        assert calls == ([] if tagger.compiled else [2, 1])
        assert torch.allclose(both[1], alone[0], atol=1e-5)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Six files of different lengths (so they finish out of order), the
    fourth missing."""
    folder = tmp_path_factory.mktemp("files")
    gen = torch.Generator().manual_seed(2)
    paths = []
    for index, seconds in enumerate([4.0, 0.5, 2.0, None, 1.0, 3.0]):
        path = folder / f"clip{index}.wav"
        if seconds is not None:
            wave = 0.1 * torch.randn(int(seconds * 16000), generator=gen)
            soundfile.write(path, wave.numpy(), 16000)
        paths.append(str(path))
    return paths


def tiny_tagger(tiny, compile_=False):
    _, encoder, head = tiny
    labels = [f"class {i}" for i in range(5)]
    return PaSSTClassifier.from_modules(
        encoder, head, labels, run_opts={"device": "cpu"}, compile=compile_
    )


def test_tag_files_in_order_per_core_with_errors_in_place(
    tiny, files, two_threads, monkeypatch
):
    workers = []
    spread = classifier.imap_on_cores

    def spy(function, items, count):
        workers.append(count)
        return spread(function, items, count)

    monkeypatch.setattr(classifier, "imap_on_cores", spy)
    tagger = tiny_tagger(tiny)
    out = list(tagger.tag_files(iter(files), top_k=2))
    assert workers == [None]  # as many as torch's threads
    assert [path for path, _ in out] == files
    assert isinstance(out[3][1], AudioReadError)
    for path, result in out[:3] + out[4:]:
        alone = tagger.tag_file(path, top_k=2)
        assert result.labels == alone.labels
        assert torch.allclose(result.all_scores, alone.all_scores, atol=1e-6)
    with pytest.raises(ValueError, match="top_k"):
        tagger.tag_files(files, top_k=0)
    workers.clear()
    compiled = tiny_tagger(tiny, compile_=True)
    compiled.tag_files(files[:1])
    assert workers == [1]  # compiled: one file at a time


def test_passt_tag_prints_files_in_the_order_given(
    tiny, files, two_threads, tmp_path, capsys
):
    _, encoder, head = tiny
    labels = [f"class {i}" for i in range(5)]
    folder = export_pretrained_folder(encoder, head, labels, tmp_path / "m")
    code = main([*files, "--model", str(folder), "--json", "--top-k", "1"])
    captured = capsys.readouterr()
    printed = [json.loads(line)["file"] for line in captured.out.splitlines()]
    assert code == 1
    assert printed == files[:3] + files[4:]
    assert f"skipping {files[3]}" in captured.err
