"""The compiled training step (``compile_training``) trains exactly as the
eager one: with no randomness inside the compiled part (no Patchout, the
input as long as the time encoding), two Brains from the same weights end
with the same weights; evaluation stays eager; SpeechBrain's ``--compile``
wrappers are seen through for export."""

import copy

import torch
from test_training_brain import make_dataset, make_hparams

from speechbrain_passt import PaSST
from speechbrain_passt.training import PaSSTBrain
from speechbrain_passt.training.step import unwrap_module

MODULES = ("compute_features", "embedding_model", "classifier")


def brain_for(hparams, compile_training):
    """A Brain with the fused AdamW, as the AudioSet yaml files."""
    hparams = dict(hparams, compile_training=compile_training)
    return PaSSTBrain(
        {name: hparams[name] for name in MODULES},
        opt_class=lambda p: torch.optim.AdamW(p, lr=1e-3, fused=True),
        hparams=hparams,
        run_opts={"device": "cpu", "max_grad_norm": float("inf")},
    )


def test_compiled_step_trains_as_the_eager_one(tmp_path):
    torch.manual_seed(0)
    hparams = make_hparams(
        "multi_label",
        tmp_path,
        epochs=1,
        swa_start_epoch=None,
        wav_mixup=None,
        spec_mixup=None,
        checkpointer=None,
    )
    # 0.5 s at 32 kHz: 50 frames, the whole time encoding (no random crop).
    hparams["embedding_model"] = PaSST(
        n_mels=32,
        max_frames=50,
        fstride=16,
        tstride=16,
        embed_dim=32,
        depth=1,
        num_heads=2,
    )
    hparams["compute_features"].freq_mask_width = 0
    hparams["compute_features"].time_mask_width = 0
    other = copy.deepcopy(hparams)
    eager, compiled = brain_for(hparams, False), brain_for(other, True)
    train = make_dataset("multi_label", items=8)
    for brain in (eager, compiled):
        torch.manual_seed(1)
        brain.fit(range(1), train, None, train_loader_kwargs={"batch_size": 4})
    assert eager.compiled_forward is None
    assert compiled.compiled_forward is not None
    for name in ("embedding_model", "classifier"):
        for a, b in zip(
            eager.modules[name].parameters(),
            compiled.modules[name].parameters(),
            strict=True,
        ):
            assert torch.allclose(a, b, atol=1e-5), name
    # The modules themselves stay eager (evaluation, checkpoints, export).
    assert compiled.modules.embedding_model is other["embedding_model"]


def test_unwrap_module_sees_through_speechbrains_compile():
    encoder = PaSST(embed_dim=8, depth=1, num_heads=2)
    wrapped = torch.compile(encoder)
    assert list(wrapped.state_dict())[0].startswith("_orig_mod.")
    assert unwrap_module(wrapped) is encoder
    assert unwrap_module(torch.nn.DataParallel(wrapped)) is encoder
