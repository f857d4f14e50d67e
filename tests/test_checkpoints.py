"""Pretrained weights: registry, original checkpoints, Lightning files, head
replacement, PaSST-L, export to a SpeechBrain folder and ``passt-convert``.

Everything is offline: torch hub's cache is a temporary folder and any
download attempt fails the test.
"""

import json
import shutil
import subprocess
import sys
import urllib.error
from pathlib import Path

import pytest
import torch
from hyperpyyaml import load_hyperpyyaml

from speechbrain_passt import PaSST, PaSSTHead
from speechbrain_passt.cli.convert import main
from speechbrain_passt.data.labels import audioset_labels, read_labels
from speechbrain_passt.inference import PaSSTClassifier
from speechbrain_passt.weights import (
    HEAD_KEYS,
    PASST_L_BLOCKS,
    CheckpointMismatchError,
    CheckpointUnavailableError,
    export_pretrained_folder,
    load_original_checkpoint,
    load_pretrained_weights,
    read_state_dict,
    reduce_depth,
)
from speechbrain_passt.weights.registry import (
    CHECKPOINTS,
    RELEASE_URL,
    cache_dir,
    find_checkpoint,
    get_checkpoint,
)

GOLDEN = Path(__file__).parent / "golden"
REPO = Path(__file__).parent.parent


@pytest.fixture(autouse=True)
def offline_hub(tmp_path, monkeypatch):
    """torch hub's cache in a temporary folder; downloads fail."""
    hub = tmp_path / "hub"
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(hub))

    def no_download(url, *args, **kwargs):
        raise urllib.error.URLError(f"offline test: refused {url}")

    monkeypatch.setattr(torch.hub, "download_url_to_file", no_download)
    return hub


def original_state(num_classes, seed=0, **config):
    """A random model and its state dict in the original checkpoint layout."""
    torch.manual_seed(seed)
    encoder = PaSST(**config).eval()
    head = PaSSTHead(encoder.embed_dim, num_classes).eval()
    with torch.no_grad():  # make every head tensor distinguishable
        for param in head.parameters():
            param.normal_()
    state = dict(encoder.state_dict())
    head_state = head.state_dict()
    for original, ours in HEAD_KEYS.items():
        state[original] = head_state[ours]
    state["head_dist.weight"] = torch.randn(num_classes, encoder.embed_dim)
    state["head_dist.bias"] = torch.randn(num_classes)
    return state, encoder, head


def save_in_cache(state, info):
    path = cache_dir() / info.filename
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(state, path)
    return path


def small_config(info, **kwargs):
    config = dict(
        embed_dim=32,
        num_heads=2,
        depth=info.depth,
        fstride=info.fstride,
        tstride=info.tstride,
        max_frames=info.max_frames,
    )
    config.update(kwargs)
    return config


def assert_same_state(module, state):
    loaded = module.state_dict()
    assert set(loaded) == set(state)
    for key, value in state.items():
        assert torch.equal(loaded[key], value), key


def golden(name):
    config = json.loads((GOLDEN / "golden.json").read_text())["models"][name]
    expected = torch.load(GOLDEN / config["expected"], weights_only=True)
    return config, expected


def golden_mel():
    return torch.load(GOLDEN / "mel.pt", weights_only=True).transpose(1, 2)


# Registry ---------------------------------------------------------------


def test_registry_covers_every_release_once():
    assert len(CHECKPOINTS) == 23
    files = [info.filename for info in CHECKPOINTS]
    assert len(set(files)) == len(files)
    assert len({info.name for info in CHECKPOINTS}) == len(CHECKPOINTS)
    for info in CHECKPOINTS:
        assert info.url.startswith(RELEASE_URL) and info.url.endswith(".pt")
        assert info.fstride in (10, 12, 14, 16)
        assert info.label_set in ("audioset", "openmic", "fsd50k", "esc50")


@pytest.mark.parametrize(
    "alias, name",
    [
        ("passt_20sec", "passt-s-f128-20sec-p16-s10-ap474-swa"),
        (
            "passt_s_f128_20sec_p16_s10_ap474",
            "passt-s-f128-20sec-p16-s10-ap474-swa",
        ),
        ("passt_30sec", "passt-s-f128-30sec-p16-s10-ap473-swa"),
        ("stfthop160", "passt_s_swa_f128_stfthop160_p16_s10_ap473"),
        ("fsd50k-n", "fsd50k_passt_s_n_f128_p16_s16_ap642"),
        ("openmic", "openmic_passt_s_f128_10sec_p16_s10_ap85"),
        (
            "openmic2008_passt_u_f128_p16_s10_ap85  ",  # the original key
            "openmic2008_passt_u_f128_p16_s10_ap85",
        ),
        ("passt-s-f128-p16-s10-ap.476-swa.pt", "passt_s_swa_p16_128_ap476"),
        ("/x/passt-s-kd-ap.486.pt", "passt_s_kd_p16_128_ap486"),
        ("PASST_L_KD_P16_128_AP47", "passt_l_kd_p16_128_ap47"),
    ],
)
def test_aliases_resolve_to_the_same_record(alias, name):
    assert find_checkpoint(alias) is get_checkpoint(name)


def test_registry_values():
    assert get_checkpoint("stfthop100").hop_length == 100
    assert get_checkpoint("stfthop100").max_frames == 3200
    assert get_checkpoint("passt_30sec").max_frames == 3000
    assert get_checkpoint("passt-l").depth == 7
    assert get_checkpoint("fsd50k").num_classes == 200
    assert not get_checkpoint("esc50").multi_label
    with pytest.raises(KeyError, match="passt_20sec"):
        get_checkpoint("passt_40sec")


def test_offline_without_cache_names_file_and_folder(offline_hub):
    with pytest.raises(CheckpointUnavailableError) as error:
        load_original_checkpoint("passt_30sec")
    message = str(error.value)
    assert "passt-s-f128-30sec-p16-s10-ap.473-swa.pt" in message
    assert str(offline_hub / "checkpoints") in message
    assert "offline test" in message


def test_unknown_source_is_a_clear_error():
    with pytest.raises(FileNotFoundError, match="released checkpoint"):
        load_original_checkpoint("passt_s_unknown")


# Released configurations, by name, from the cache -----------------------


@pytest.mark.parametrize(
    "name",
    [
        "passt_s_swa_p16_128_ap476",  # stride 10
        "passt_s_p16_s12_128_ap470",  # stride 12
        "passt_s_swa_p16_s14_128_ap471",  # stride 14
        "passt_s_p16_s16_128_ap468",  # stride 16
        "passt_20sec",  # 20 s time encoding
        "passt_30sec",  # 30 s time encoding
        "stfthop100",  # 3200 frames
        "passt_l_kd_p16_128_ap47",  # depth 7
        "openmic",  # 20 classes
        "fsd50k_passt_s_n_f128_p16_s16_ap642",  # 200 classes, stride 16
    ],
)
def test_released_configurations_load_strictly(name):
    info = get_checkpoint(name)
    state, encoder, head = original_state(
        info.num_classes, **small_config(info)
    )
    save_in_cache(state, info)
    loaded_encoder, loaded_head = load_original_checkpoint(name, num_heads=2)
    assert loaded_encoder.grid_size == encoder.grid_size
    assert len(loaded_encoder.blocks) == info.depth
    assert loaded_encoder.max_frames == info.max_frames
    assert_same_state(loaded_encoder, encoder.state_dict())
    assert_same_state(loaded_head, head.state_dict())
    x = torch.randn(2, 120, 128)
    with torch.no_grad():
        expected = head(encoder(x))
        assert torch.equal(loaded_head(loaded_encoder(x)), expected)


def test_max_frames_unknown_in_registry_is_read_from_the_file():
    info = get_checkpoint("openmic2008_passt_u_f128_p16_s10_ap85_swa")
    state, _, _ = original_state(
        20, **small_config(info, depth=12, max_frames=2000)
    )
    save_in_cache(state, info)
    encoder, _ = load_original_checkpoint(info.name, num_heads=2)
    assert encoder.max_frames == 2000 and encoder.grid_size == (12, 200)


# Numerics against the original implementation ---------------------------


@pytest.mark.parametrize("name", ["small_s10", "small_s16"])
def test_golden_models_reproduce_the_original_forward(name):
    config, expected = golden(name)
    encoder, head = load_original_checkpoint(
        GOLDEN / config["state_dict"],
        fstride=config["stride"][0],
        tstride=config["stride"][1],
        num_heads=config["num_heads"],
    )
    assert encoder.max_frames == config["img_size"][1]
    mel = golden_mel()
    with torch.no_grad():
        features = encoder(mel)
        logits = head(features)
        features_5s = encoder(mel[:, :500])
        logits_5s = head(features_5s)
    torch.testing.assert_close(
        features[:, 0], expected["features"], atol=1e-4, rtol=0
    )
    torch.testing.assert_close(
        logits[:, 0], expected["logits"], atol=1e-4, rtol=0
    )
    torch.testing.assert_close(
        logits_5s[:, 0], expected["logits_5s"], atol=1e-4, rtol=0
    )


# Errors ---------------------------------------------------------------


def test_wrong_stride_says_which_strides_fit():
    with pytest.raises(
        CheckpointMismatchError, match=r"strides that fit: \[15, 16\]"
    ):
        load_original_checkpoint(GOLDEN / "small_s16.pt", num_heads=4)


def test_file_with_released_name_but_other_stride(tmp_path):
    info = get_checkpoint("passt_s_swa_p16_128_ap476")
    s16 = get_checkpoint("passt_s_p16_s16_128_ap468")
    state, _, _ = original_state(527, **small_config(s16))
    path = tmp_path / info.filename
    torch.save(state, path)
    with pytest.raises(CheckpointMismatchError) as error:
        load_original_checkpoint(path, num_heads=2)
    message = str(error.value)
    assert info.name in message and str(path) in message
    assert "frequency encoding has 8 positions but fstride=10" in message


def test_wrong_frames_says_what_fits():
    info = get_checkpoint("passt_s_swa_p16_128_ap476")
    state, _, _ = original_state(527, **small_config(info, max_frames=2000))
    save_in_cache(state, info)
    with pytest.raises(
        CheckpointMismatchError,
        match=r"time encoding has 200 positions but max_frames=998.*"
        r"\[2000, 2009\]",
    ):
        load_original_checkpoint(info.name, num_heads=2)


def test_wrong_depth_says_what_was_expected():
    info = get_checkpoint("passt_s_swa_p16_128_ap476")
    state, _, _ = original_state(527, **small_config(info, depth=7))
    save_in_cache(state, info)
    with pytest.raises(CheckpointMismatchError, match="depth=7, expected 12"):
        load_original_checkpoint(info.name, num_heads=2)


def test_truncated_file_is_a_clear_error(tmp_path):
    data = (GOLDEN / "small_s10.pt").read_bytes()
    path = tmp_path / "truncated.pt"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(
        CheckpointMismatchError, match="truncated.pt.*truncated"
    ):
        load_original_checkpoint(path, num_heads=4)


def test_not_a_passt_state_dict():
    with pytest.raises(CheckpointMismatchError, match="missing"):
        load_original_checkpoint({"weight": torch.zeros(2)})


# Lightning and DeiT-style wrappers ------------------------------------


def test_lightning_checkpoint_prefixes(tmp_path):
    state = read_state_dict(GOLDEN / "small_s10.pt")
    swa = {key: value + 1 for key, value in state.items()}
    lightning = {
        "epoch": 9,
        "global_step": 100,
        "pytorch-lightning_version": "1.3.0",
        "state_dict": {
            **{f"net.{key}": value for key, value in state.items()},
            **{f"net_swa.{key}": value for key, value in swa.items()},
        },
    }
    path = tmp_path / "last.ckpt"
    torch.save(lightning, path)
    encoder, head = load_original_checkpoint(path, num_heads=4)
    assert torch.equal(encoder.cls_token, state["cls_token"])
    encoder, head = load_original_checkpoint(
        path, lightning_prefix="net_swa", num_heads=4
    )
    assert torch.equal(encoder.cls_token, swa["cls_token"])
    assert torch.equal(head.linear.weight, swa["head.1.weight"])
    fresh = PaSST(embed_dim=96, depth=2, num_heads=4)
    fresh_head = PaSSTHead(96, 11)
    assert load_pretrained_weights(
        fresh, fresh_head, path, lightning_prefix="net_swa"
    )
    assert torch.equal(fresh.cls_token, swa["cls_token"])
    with pytest.raises(
        CheckpointMismatchError, match=r"'net_ema\.'.*\['net', 'net_swa'\]"
    ):
        load_original_checkpoint(path, lightning_prefix="net_ema")
    with pytest.raises(
        CheckpointMismatchError, match="not a Lightning checkpoint"
    ):
        load_original_checkpoint(
            GOLDEN / "small_s10.pt", lightning_prefix="net"
        )


def test_model_wrapped_dict():
    state = read_state_dict(GOLDEN / "small_s10.pt")
    encoder, _ = load_original_checkpoint({"model": state}, num_heads=4)
    assert torch.equal(encoder.dist_token, state["dist_token"])


# Head replacement ------------------------------------------------------


def test_new_class_count_keeps_layernorm_and_reinitialises_linear():
    state = read_state_dict(GOLDEN / "small_s10.pt")
    encoder, head = load_original_checkpoint(
        GOLDEN / "small_s10.pt", num_heads=4, num_classes=50
    )
    assert head.num_classes == 50
    assert torch.equal(head.norm.weight, state["head.0.weight"])
    assert torch.equal(head.norm.bias, state["head.0.bias"])
    assert torch.count_nonzero(head.linear.bias) == 0
    assert 0.01 < head.linear.weight.std() < 0.03  # trunc normal, std 0.02

    fresh_head = PaSSTHead(96, 11)
    fresh = PaSST(embed_dim=96, depth=2, num_heads=4)
    assert load_pretrained_weights(fresh, fresh_head, GOLDEN / "small_s10.pt")
    assert torch.equal(fresh_head.linear.weight, state["head.1.weight"])


def test_pretrained_weights_check_registry_strides(tmp_path):
    info = get_checkpoint("passt_s_p16_s16_128_ap468")
    state, _, _ = original_state(527, **small_config(info))
    save_in_cache(state, info)
    encoder = PaSST(**small_config(info))
    head = PaSSTHead(32, 10)
    assert not load_pretrained_weights(encoder, head, "passt-s-n")
    assert torch.equal(encoder.time_new_pos_embed, state["time_new_pos_embed"])
    assert torch.equal(head.norm.weight, state["head.0.weight"])
    # Strides 15 give the same grid as 16, but not the trained patches.
    wrong = PaSST(**small_config(info, fstride=15, tstride=15))
    with pytest.raises(CheckpointMismatchError, match=r"strides \(16, 16\)"):
        load_pretrained_weights(wrong, None, "passt-s-n")


# PaSST-L ---------------------------------------------------------------


def test_reduce_depth_state_dict_and_encoder():
    info = get_checkpoint("passt_s_swa_p16_128_ap476")
    state, encoder, head = original_state(527, **small_config(info))
    reduced = reduce_depth(state)
    assert sorted(
        {key.split(".")[1] for key in reduced if key.startswith("blocks.")}
    ) == [str(i) for i in range(7)]
    for new, old in enumerate(PASST_L_BLOCKS):
        assert torch.equal(
            reduced[f"blocks.{new}.attn.qkv.weight"],
            state[f"blocks.{old}.attn.qkv.weight"],
        )
    assert torch.equal(reduced["head.1.weight"], state["head.1.weight"])
    light, light_head = load_original_checkpoint(reduced, num_heads=2)
    assert len(light.blocks) == 7
    light_module = reduce_depth(encoder)
    assert_same_state(light_module, light.state_dict())
    x = torch.randn(1, 100, 128)
    with torch.no_grad():
        assert torch.equal(light_module(x), light(x))
    # A 7-block encoder takes the 12-block weights directly.
    target = PaSST(**small_config(info, depth=7))
    load_pretrained_weights(target, None, state)
    assert_same_state(target, light.state_dict())
    with pytest.raises(ValueError, match="ascending"):
        reduce_depth(state, keep=(3, 1))
    with pytest.raises(ValueError, match=r"\[0, 11\]"):
        reduce_depth(state, keep=(0, 12))
    with pytest.raises(CheckpointMismatchError, match="keep_blocks"):
        load_pretrained_weights(
            PaSST(**small_config(info, depth=5)), None, state
        )


# Export ----------------------------------------------------------------


def load_folder(folder, savedir):
    """Load a pretrained folder as from_hparams does, with the Pretrainer."""
    with open(folder / "hyperparams.yaml", encoding="utf-8") as handle:
        hparams = load_hyperpyyaml(handle, {"pretrained_path": str(folder)})
    pretrainer = hparams["pretrainer"]
    pretrainer.set_collect_in(savedir)
    pretrainer.collect_files(default_source=str(folder))
    pretrainer.load_collected()
    return hparams


def test_export_round_trip_gives_the_same_logits(tmp_path):
    config, expected = golden("small_s10")
    encoder, head = load_original_checkpoint(
        GOLDEN / "small_s10.pt", num_heads=4
    )
    labels = [f"label {i}, with 'quotes'" for i in range(11)]
    folder = export_pretrained_folder(
        encoder, head, labels, tmp_path / "export", multi_label=False
    )
    moved = shutil.move(
        folder, tmp_path / "moved"
    )  # pretrained_path is overridable
    hparams = load_folder(Path(moved), tmp_path / "savedir")
    assert hparams["multi_label"] is False and hparams["sample_rate"] == 32000
    assert hparams["audio_normalizer"].sample_rate == 32000
    assert hparams["label_encoder"].decode_ndim(list(range(11))) == labels
    modules = hparams["modules"]
    for module in modules.values():
        module.eval()
    with torch.no_grad():
        mel = modules["compute_features"](
            torch.load(GOLDEN / "input_wave.pt", weights_only=True)
        )
        torch.testing.assert_close(mel, golden_mel(), atol=1e-4, rtol=0)
        logits = modules["classifier"](modules["embedding_model"](golden_mel()))
        source = head(encoder(golden_mel()))
    assert torch.equal(logits, source)
    torch.testing.assert_close(
        logits[:, 0], expected["logits"], atol=1e-4, rtol=0
    )
    lint = subprocess.run(
        [
            str(Path(sys.executable).parent / "yamllint"),
            "-c",
            str(REPO / ".yamllint.yaml"),
            str(Path(moved) / "hyperparams.yaml"),
        ],
        capture_output=True,
        text=True,
    )
    assert lint.returncode == 0, lint.stdout


def test_export_folder_loads_strictly_and_as_fine_tuning_init(tmp_path):
    encoder, head = load_original_checkpoint(
        GOLDEN / "small_s16.pt", fstride=16, num_heads=4
    )
    folder = export_pretrained_folder(
        encoder, head, list("abcdefg"), tmp_path / "f"
    )
    fresh = PaSST(fstride=16, tstride=16, embed_dim=96, depth=3, num_heads=4)
    fresh_head = PaSSTHead(96, 7)
    assert load_pretrained_weights(fresh, fresh_head, folder)
    assert_same_state(fresh, encoder.state_dict())
    state = torch.load(folder / "embedding_model.ckpt", weights_only=True)
    del state["norm.bias"]
    torch.save(state, folder / "embedding_model.ckpt")
    with pytest.raises(CheckpointMismatchError, match="norm.bias"):
        load_folder(folder, tmp_path / "savedir")


def tiny_folder(out_dir):
    """A tiny exported model: its encoder, head and pretrained folder."""
    torch.manual_seed(0)
    encoder = PaSST(embed_dim=32, depth=1, num_heads=2, max_frames=200)
    head = PaSSTHead(32, 3)
    torch.nn.init.normal_(head.linear.weight)  # logits that differ
    folder = export_pretrained_folder(
        encoder, head, ["dog", "cat", "rain"], out_dir
    )
    return encoder.eval(), head.eval(), folder


def test_new_folders_name_the_hooks_in_weights_strict(tmp_path):
    _, _, folder = tiny_folder(tmp_path / "new")
    text = read_hparams_text(folder)
    hooks = "speechbrain_passt.weights.strict"
    assert f"embedding_model: !name:{hooks}.load_module_strict" in text
    assert f"classifier: !name:{hooks}.load_module_strict" in text
    assert f"label_encoder: !name:{hooks}.load_label_encoder_strict" in text
    assert "speechbrain_passt.checkpoints" not in text
    assert "weights.checkpoints" not in text


def test_folder_written_by_version_0_1_still_loads(tmp_path):
    encoder, head, folder = tiny_folder(tmp_path / "old")
    hparams_file = folder / "hyperparams.yaml"
    text = hparams_file.read_text()
    # What 0.1 wrote: hooks and the header comment under
    # speechbrain_passt.checkpoints.
    old = text.replace(
        "speechbrain_passt.weights.strict.", "speechbrain_passt.checkpoints."
    ).replace(
        "speechbrain_passt.weights.export_pretrained_folder",
        "speechbrain_passt.checkpoints.export_pretrained_folder",
    )
    assert old.count("!name:speechbrain_passt.checkpoints.load_") == 3
    assert "speechbrain_passt.weights" not in old
    hparams_file.write_text(old)
    tagger = PaSSTClassifier.from_hparams(
        str(folder), savedir=str(tmp_path / "save"), run_opts={"device": "cpu"}
    )
    assert tagger.labels == ["dog", "cat", "rain"]
    mel = torch.randn(2, 200, 128)
    wav = torch.randn(1, 32000)
    reference = PaSSTClassifier.from_modules(
        encoder, head, ["dog", "cat", "rain"], run_opts={"device": "cpu"}
    )
    with torch.no_grad():
        logits = tagger.mods.classifier(tagger.mods.embedding_model(mel))
        assert torch.equal(logits, head(encoder(mel)))
        assert torch.equal(tagger(wav), reference(wav))
    # The 0.1 hooks are still strict.
    state = torch.load(folder / "classifier.ckpt", weights_only=True)
    del state["linear.bias"]
    torch.save(state, folder / "classifier.ckpt")
    with pytest.raises(CheckpointMismatchError, match="linear.bias"):
        load_folder(folder, tmp_path / "savedir")


def test_export_rejects_inconsistent_inputs(tmp_path):
    encoder = PaSST(embed_dim=32, depth=1, num_heads=2)
    with pytest.raises(ValueError, match="3 labels for a head with 2"):
        export_pretrained_folder(
            encoder, PaSSTHead(32, 2), ["a", "b", "c"], tmp_path
        )
    with pytest.raises(ValueError, match="unique"):
        export_pretrained_folder(
            encoder, PaSSTHead(32, 2), ["a", "a"], tmp_path
        )
    with pytest.raises(ValueError, match="n_mels=64"):
        export_pretrained_folder(
            encoder,
            PaSSTHead(32, 1),
            ["a"],
            tmp_path,
            fbank_kwargs={"n_mels": 64},
        )


# Labels and the CLI ----------------------------------------------------


def test_shipped_audioset_labels_match_the_reference_csv():
    reference = REPO.parent / "shared/data/audioset/class_labels_indices.csv"
    labels = audioset_labels()
    assert len(labels) == 527 and labels[0] == "Speech"
    assert labels[1] == "Male speech, man speaking"
    assert labels[-1] == "Field recording"
    if reference.is_file():
        assert read_labels(reference) == labels


def test_read_labels_layouts(tmp_path):
    text = tmp_path / "labels.txt"
    text.write_text("Dog\nRooster, crowing\n\n")
    assert read_labels(text) == ["Dog", "Rooster, crowing"]
    esc = tmp_path / "esc50.csv"
    esc.write_text(
        "filename,fold,target,category,esc10,src_file,take\n"
        "1-1-A-1.wav,1,1,rooster,False,1,A\n"
        "1-2-A-0.wav,1,0,dog,True,2,A\n"
        "2-3-A-0.wav,2,0,dog,True,3,A\n"
    )
    assert read_labels(esc) == ["dog", "rooster"]
    gap = tmp_path / "gap.csv"
    gap.write_text("0,a\n2,b\n")
    with pytest.raises(ValueError, match="0..N-1"):
        read_labels(gap)


def cli_file(tmp_path, filename, num_classes, **config):
    state, encoder, head = original_state(num_classes, embed_dim=64, **config)
    path = tmp_path / filename
    torch.save(state, path)
    return path, encoder, head


def read_hparams_text(folder):
    return (Path(folder) / "hyperparams.yaml").read_text()


def test_cli_audioset_file_gets_registry_config_and_class_list(tmp_path):
    path, encoder, head = cli_file(
        tmp_path,
        "passt-s-f128-p16-s16-ap.468.pt",
        527,
        fstride=16,
        tstride=16,
        depth=12,
        num_heads=1,
    )
    out = tmp_path / "out"
    assert main([str(path), str(out)]) == 0
    hparams = load_folder(out, tmp_path / "savedir")
    assert hparams["embedding_model"].fstride == 16
    assert hparams["multi_label"] is True
    decoded = hparams["label_encoder"].decode_ndim(list(range(527)))
    assert decoded == audioset_labels()
    assert_same_state(hparams["classifier"], head.state_dict())


def test_cli_hop_and_frames_from_the_registry(tmp_path):
    info = get_checkpoint("stfthop100")
    state, _, _ = original_state(
        527, **small_config(info, embed_dim=64, num_heads=1)
    )
    save_in_cache(state, info)
    out = tmp_path / "out"
    assert main(["stfthop100", str(out)]) == 0
    text = read_hparams_text(out)
    assert "hop_length: 100" in text and "max_frames: 3200" in text


def test_cli_labels_single_label_and_lightning(tmp_path):
    state, encoder, head = original_state(3, embed_dim=64, depth=1, num_heads=1)
    path = tmp_path / "fold1.ckpt"
    torch.save(
        {"state_dict": {f"net_swa.{k}": v for k, v in state.items()}}, path
    )
    labels = tmp_path / "labels.txt"
    labels.write_text("dog\nrooster\npig\n")
    out = tmp_path / "out"
    argv = [
        str(path),
        str(out),
        "--lightning-prefix",
        "net_swa",
        "--labels",
        str(labels),
        "--single-label",
    ]
    assert main(argv) == 0
    hparams = load_folder(out, tmp_path / "savedir")
    assert hparams["multi_label"] is False
    assert hparams["label_encoder"].decode_ndim([0, 1, 2]) == [
        "dog",
        "rooster",
        "pig",
    ]
    assert_same_state(hparams["embedding_model"], encoder.state_dict())


def test_cli_placeholder_labels_warn(tmp_path, caplog):
    path, _, _ = cli_file(tmp_path, "mine.pt", 20, depth=1, num_heads=1)
    out = tmp_path / "out"
    assert main([str(path), str(out)]) == 0
    assert "class_0 .. class_19" in caplog.text
    labels = (out / "label_encoder.txt").read_text()
    assert "'class_19' => 19" in labels


def test_cli_errors(tmp_path, capsys):
    path, _, _ = cli_file(
        tmp_path, "mine.pt", 20, depth=1, num_heads=1, fstride=16, tstride=16
    )
    assert main([str(path), str(tmp_path / "out")]) == 1
    assert "strides that fit: [15, 16]" in capsys.readouterr().err
    assert main([str(path), str(tmp_path / "out"), "--stride", "16"]) == 0
    labels = tmp_path / "labels.txt"
    labels.write_text("a\nb\n")
    assert (
        main(
            [
                str(path),
                str(tmp_path / "o2"),
                "--stride",
                "16",
                "--labels",
                str(labels),
            ]
        )
        == 1
    )
    assert "2 labels but the head has 20" in capsys.readouterr().err
