"""The recipes' yaml files, checked as SpeechBrain checks its own recipes.

* Every yaml loads with plain HyperPyYAML and only ``data_folder`` and
  ``output_folder`` overridden (SpeechBrain's ``load_yaml_test``).
* Every top-level key is read by the recipe's ``train.py`` or the package
  (``hparams["key"]``, ``self.hparams.key`` or ``hparams.key``),
  referenced in the yaml (``<key>``) or is a SpeechBrain run option
  (``check_yaml_vs_script``).
* Each variant is a complete file; VARIANT_DIFFERENCES lists, per dataset,
  the keys in which each variant differs from the dataset's reference file
  (``passt_s.yaml``). Any other difference fails, so the copies cannot
  drift apart.
"""

import dataclasses
import re
from pathlib import Path

import pytest
from hyperpyyaml import load_hyperpyyaml
from recipe_rows import ROOT, read_rows
from speechbrain.utils.run_opts import RunOptions

from speechbrain_passt.lobes import head, passt

DATASETS = {  # recipe folder -> hparams folder
    "Audioset": "hparams",
    "ESC50": "hparams/esc50",
    "OpenMIC": "hparams/openmic",
    "DCASE20": "hparams/dcase20",
    "FSD50K": "hparams/fsd50k",
    "AudioFolder": "hparams/audiofolder",
}
REFERENCE = "passt_s.yaml"
NAME = {"experiment_name"}
B = NAME | {"s_patchout_t", "s_patchout_f"}
U = NAME | {"s_patchout_t", "s_patchout_f", "u_patchout"}
S_L = NAME | {"depth"}
S_N = NAME | {"fstride", "tstride", "s_patchout_t", "s_patchout_f"}
# Fine-tuning starts S-L and S-N from the matching AudioSet release.
DOWNSTREAM = {
    "passt_b.yaml": B,
    "passt_u.yaml": U,
    "passt_s_l.yaml": S_L | {"pretrained"},
    "passt_s_n.yaml": S_N | {"pretrained"},
}
VARIANT_DIFFERENCES = {
    "Audioset": {
        "demo.yaml": {
            *NAME,
            *("data_folder", "synthetic_data", "cache_format", "clip_seconds"),
            *("number_of_epochs", "epoch_samples", "batch_size"),
            *("eval_batch_size", "num_workers", "lr", "precision"),
            *("ckpt_interval_minutes", "lr_schedule", "swa_start_epoch"),
            *("swa_frequency", "freq_mask_width", "time_mask_width"),
            *("wav_mixup", "spec_mixup", "pretrained", "n_mels"),
            *("max_frames", "fstride", "tstride", "embed_dim", "depth"),
            *("num_heads", "s_patchout_t", "s_patchout_f", "head_prior"),
        },
        "passt_b.yaml": B,
        "passt_u.yaml": U,
        "passt_s_l.yaml": S_L,
        "passt_s_n.yaml": S_N,
        # Knowledge distillation: a teacher (logits file by default).
        "passt_s_kd.yaml": NAME | {"kd_teacher"},
    },
    "ESC50": dict(
        DOWNSTREAM,
        **{
            "demo.yaml": {
                *NAME,
                *("data_folder", "synthetic_data", "fold", "num_classes"),
                *("number_of_epochs", "batch_size", "eval_batch_size"),
                *("num_workers", "lr", "ckpt_interval_minutes"),
                *("lr_schedule", "swa_start_epoch", "pretrained"),
                *("freq_mask_width", "time_mask_width", "spec_mixup"),
                *("n_mels", "max_frames", "fstride", "tstride"),
                *("embed_dim", "depth", "num_heads", "s_patchout_t"),
                "s_patchout_f",
            }
        },
    ),
    "OpenMIC": DOWNSTREAM,
    "DCASE20": DOWNSTREAM,
    # FSD50K's S-N keeps S's number of dropped time columns.
    "FSD50K": dict(
        DOWNSTREAM,
        **{"passt_s_n.yaml": S_N - {"s_patchout_t"} | {"pretrained"}},
    ),
    # 10 s inputs as FSD50K: S-N keeps S's number of dropped time columns.
    "AudioFolder": {"passt_s_n.yaml": S_N - {"s_patchout_t"} | {"pretrained"}},
}
TOP_KEY = re.compile(r"^([A-Za-z_]\w*):")


def top_level_blocks(path):
    """Top-level key -> its text without comments, for comparing files."""
    blocks, key = {}, None
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = re.sub(r"\s+#.*$", "", line)
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = TOP_KEY.match(line)
        if match:
            key = match.group(1)
            blocks[key] = [line]
        elif key is not None:
            blocks[key].append(line)
    return {k: "\n".join(v) for k, v in blocks.items()}


def yaml_files(dataset):
    """The dataset's yaml files (recipe rows), reference first."""
    files = [row["Hparam_file"] for row in read_rows(dataset)]
    return sorted(files, key=lambda f: Path(f).name != REFERENCE)


ALL_YAMLS = [(d, f) for d in DATASETS for f in yaml_files(d)]


@pytest.mark.parametrize("dataset", DATASETS)
def test_variants_differ_only_where_the_table_says(dataset):
    folder = ROOT / DATASETS[dataset]
    reference = top_level_blocks(folder / REFERENCE)
    variants = sorted(
        p.name for p in folder.glob("*.yaml") if p.name != REFERENCE
    )
    assert variants == sorted(VARIANT_DIFFERENCES[dataset])
    for name in variants:
        blocks = top_level_blocks(folder / name)
        assert list(blocks) == list(reference), f"{name}: keys or their order"
        differ = {k for k in reference if blocks[k] != reference[k]}
        assert differ == VARIANT_DIFFERENCES[dataset][name], name


@pytest.mark.parametrize(("dataset", "hparams_file"), ALL_YAMLS)
def test_yaml_loads_with_plain_hyperpyyaml(
    dataset, hparams_file, tmp_path, monkeypatch
):
    # Random initialisation of 86 M weights dominates the time; the values
    # do not matter here.
    for module in (passt, head):
        monkeypatch.setattr(module, "trunc_normal_", lambda t, std: t)
    with open(ROOT / hparams_file, encoding="utf-8") as fin:
        hparams = load_hyperpyyaml(
            fin,
            {
                "data_folder": str(tmp_path / "data"),
                "output_folder": str(tmp_path / "out"),
            },
        )
    encoder = hparams["embedding_model"]
    assert hparams["classifier"].linear.out_features == hparams["num_classes"]
    assert encoder.fstride == hparams["fstride"]
    assert len(encoder.blocks) == hparams["depth"]


def _package_code():
    return "\n".join(
        p.read_text(encoding="utf-8")
        for p in sorted((ROOT / "speechbrain_passt").rglob("*.py"))
    )


PACKAGE_CODE = _package_code()


@pytest.mark.parametrize(("dataset", "hparams_file"), ALL_YAMLS)
def test_every_yaml_key_is_read(dataset, hparams_file):
    text = (ROOT / hparams_file).read_text(encoding="utf-8")
    script = (ROOT / "recipes" / dataset / "train.py").read_text()
    code = script + PACKAGE_CODE
    run_options = {field.name for field in dataclasses.fields(RunOptions)}
    refs = set(re.findall(r"<([A-Za-z_]\w*)", text))
    unused = [
        key
        for key in top_level_blocks(ROOT / hparams_file)
        if not key.startswith("__")
        and key not in run_options | refs
        and f'hparams["{key}"]' not in code
        # self.hparams.<key>, or an hparams object handed down to a helper
        # (training.step.forward_batch reads hparams.wav_mixup, ...).
        and f"hparams.{key}" not in code
    ]
    assert unused == [], f"{hparams_file}: keys nobody reads"
