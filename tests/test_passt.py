"""Tests of the PaSST encoder and head: exactness and behaviour."""

import pytest
import torch

from speechbrain_passt import PaSST, PaSSTHead, load_original_checkpoint

GOLDEN_MODELS = ("small_s10", "small_s16")


def _golden_model(name, golden_dir, golden_config):
    config = golden_config["models"][name]
    fstride, tstride = config["stride"]
    return load_original_checkpoint(
        golden_dir / config["state_dict"],
        fstride=fstride,
        tstride=tstride,
        num_heads=config["num_heads"],
        max_frames=config["img_size"][1],
    )


@pytest.mark.parametrize("name", GOLDEN_MODELS)
@pytest.mark.parametrize("frames, suffix", [(1000, ""), (500, "_5s")])
def test_encoder_and_head_match_original(
    name, frames, suffix, golden_dir, golden_config, golden_mel
):
    encoder, head = _golden_model(name, golden_dir, golden_config)
    expected = torch.load(
        golden_dir / golden_config["models"][name]["expected"],
        weights_only=True,
    )
    with torch.no_grad():
        features = encoder(golden_mel[:, :frames])
        logits = head(features)
    assert features.shape == (2, 1, 96)
    assert (features[:, 0] - expected["features" + suffix]).abs().max() <= 1e-4
    assert (logits[:, 0] - expected["logits" + suffix]).abs().max() <= 1e-4


def test_frontend_and_encoder_end_to_end(
    golden_dir, golden_config, golden_wave
):
    from speechbrain_passt import PaSSTFbank

    encoder, head = _golden_model("small_s10", golden_dir, golden_config)
    expected = torch.load(golden_dir / "small_s10_expected.pt")
    with torch.no_grad():
        logits = head(encoder(PaSSTFbank().eval()(golden_wave)))
    assert (logits[:, 0] - expected["logits"]).abs().max() <= 1e-4


def _count_first_block_tokens(encoder, x):
    counts = []
    hook = encoder.blocks[0].register_forward_pre_hook(
        lambda module, args: counts.append(args[0].shape[1])
    )
    encoder(x)
    hook.remove()
    return counts[0]


@pytest.mark.parametrize(
    "stride, patchout, train_tokens",
    [
        (10, {}, 1190),  # PaSST-B
        (10, {"u_patchout": 400}, 790),  # PaSST-U
        (10, {"s_patchout_t": 40, "s_patchout_f": 4}, 474),  # PaSST-S
        (16, {"s_patchout_t": 20, "s_patchout_f": 2}, 254),  # PaSST-S-N
    ],
)
def test_sequence_lengths_match_table_1(stride, patchout, train_tokens):
    # Token counts depend on the grid only, so a narrow model suffices.
    encoder = PaSST(
        fstride=stride,
        tstride=stride,
        embed_dim=16,
        depth=1,
        num_heads=2,
        **patchout,
    )
    x = torch.randn(2, 1000, 128)
    assert _count_first_block_tokens(encoder.train(), x) == train_tokens
    eval_tokens = 1190 if stride == 10 else 2 + 8 * 62
    assert _count_first_block_tokens(encoder.eval(), x) == eval_tokens


def _tiny(**kwargs):
    torch.manual_seed(0)
    return PaSST(embed_dim=32, depth=2, num_heads=2, **kwargs)


def test_patchout_only_in_training_and_per_item():
    encoder = _tiny(s_patchout_t=40, s_patchout_f=4, u_patchout=100).train()
    x = torch.randn(3, 1000, 128)
    tokens, positions = encoder.encode_tokens(x)
    assert tokens.shape == (3, 2 + 59 * 8 - 100, 32)
    assert positions.shape == (3, 59 * 8 - 100)
    # Sorted, distinct, and different between items.
    assert (positions.diff(dim=1) > 0).all()
    assert not torch.equal(positions[0], positions[1])
    # Structured: each item keeps exactly 59 columns and 8 rows.
    for item in positions:
        assert len((item % 99).unique()) <= 59
        assert len((item // 99).unique()) <= 8
    encoder.eval()
    _, positions = encoder.encode_tokens(x)
    assert torch.equal(positions[0], torch.arange(1188))
    first = encoder(x)
    assert torch.equal(first, encoder(x)), "eval must be deterministic"


def test_kept_patches_carry_their_own_positions():
    # With the blocks removed, a kept patch token equals the eval token at
    # the same grid position: the encodings are added before dropping.
    encoder = _tiny(s_patchout_t=5, s_patchout_f=2, u_patchout=7)
    encoder.blocks = torch.nn.Sequential()
    encoder.norm = torch.nn.Identity()
    x = torch.randn(2, 998, 128)  # full time encoding: no random crop
    tokens, positions = encoder.train().encode_tokens(x)
    reference, _ = encoder.eval().encode_tokens(x)
    index = positions.unsqueeze(-1).expand(-1, -1, 32)
    kept = torch.gather(reference[:, 2:], 1, index)
    assert torch.allclose(tokens[:, 2:], kept)


def test_short_input_crops_time_encoding():
    encoder = _tiny().eval()
    x = torch.randn(1, 300, 128)
    tokens, _ = encoder.encode_tokens(x)
    assert tokens.shape[1] == 2 + 12 * 29
    # Eval uses the first columns: same as zeroing every later position.
    with torch.no_grad():
        encoder.time_new_pos_embed[..., 29:] = 0.0
    assert torch.allclose(encoder.encode_tokens(x)[0], tokens)
    # Training crops at random offsets: outputs vary between calls.
    encoder.train()
    torch.manual_seed(0)
    outs = [encoder(x) for _ in range(3)]
    assert not torch.allclose(outs[0], outs[1])


def test_too_long_input_is_an_error():
    encoder = _tiny()
    encoder(torch.randn(1, encoder.max_input_frames(), 128))
    with pytest.raises(ValueError, match=r"1006 frames \(100 time patches\)"):
        encoder(torch.randn(1, 1006, 128))
    with pytest.raises(ValueError, match="99 positions"):
        encoder(torch.randn(1, 2000, 128))


@pytest.mark.parametrize(
    "shape, message",
    [
        ((1000, 128), "batch, frames, n_mels"),
        ((1, 1000, 64), "n_mels=128"),
        ((1, 15, 128), "at least one patch"),
    ],
)
def test_bad_input_shapes(shape, message):
    with pytest.raises(ValueError, match=message):
        _tiny()(torch.randn(shape))


def test_patchout_larger_than_grid_is_an_error():
    encoder = _tiny(s_patchout_t=40).train()
    with pytest.raises(ValueError, match="s_patchout_t=40"):
        encoder(torch.randn(1, 300, 128))


def test_no_warnings_or_prints_on_normal_input(recwarn, capsys):
    encoder = _tiny(s_patchout_t=4)
    encoder.train()(torch.randn(1, 1000, 128))
    encoder.eval()(torch.randn(1, 1000, 128))
    assert len(recwarn) == 0
    assert capsys.readouterr() == ("", "")


def test_padding_mask_gives_each_item_its_own_result():
    encoder = _tiny().eval()
    short = torch.randn(1, 400, 128)
    long = torch.randn(1, 1000, 128)
    padded = torch.cat(
        (torch.nn.functional.pad(short, (0, 0, 0, 600)), long), dim=0
    )
    with torch.no_grad():
        batch = encoder(padded, lengths=torch.tensor([0.4, 1.0]))
        alone = torch.cat((encoder(short), encoder(long)))
    assert torch.allclose(batch, alone, atol=1e-5)
    with torch.no_grad():
        unmasked = encoder(padded)
    assert not torch.allclose(unmasked[0], alone[0], atol=1e-3)


def test_gradients_reach_every_parameter():
    encoder = _tiny(s_patchout_t=10, s_patchout_f=3, u_patchout=20).train()
    head = PaSSTHead(32, 5)
    x = torch.randn(2, 500, 128)
    head(encoder(x)).square().sum().backward()
    for name, param in [
        *encoder.named_parameters(),
        *head.named_parameters(),
    ]:
        assert param.grad is not None, name
        assert param.grad.abs().sum() > 0, name


def test_bf16_autocast_close_to_fp32():
    encoder = _tiny().eval()
    head = PaSSTHead(32, 5).eval()
    x = torch.randn(2, 500, 128)
    with torch.no_grad():
        reference = head(encoder(x))
        with torch.autocast("cpu", dtype=torch.bfloat16):
            low = head(encoder(x))
    assert low.dtype == torch.bfloat16
    error = (low.float() - reference).abs().max() / reference.abs().max()
    assert error < 0.05


def test_head_shapes_and_reset():
    head = PaSSTHead(32, 7)
    assert head(torch.randn(3, 1, 32)).shape == (3, 1, 7)
    assert head.norm.eps == 1e-5 and head.num_classes == 7
    with torch.no_grad():
        head.norm.weight.fill_(2.0)
        head.linear.bias.fill_(1.0)
    head.reset_classifier()
    assert torch.all(head.norm.weight == 2.0), "reset keeps the LayerNorm"
    assert torch.all(head.linear.bias == 0.0)


def test_state_dict_keys_follow_original_layout():
    keys = list(_tiny().state_dict())
    assert keys[:5] == [
        "cls_token",
        "dist_token",
        "new_pos_embed",
        "freq_new_pos_embed",
        "time_new_pos_embed",
    ]
    assert "patch_embed.proj.weight" in keys
    assert "blocks.1.attn.qkv.weight" in keys
    assert "blocks.1.mlp.fc2.bias" in keys
    assert keys[-2:] == ["norm.weight", "norm.bias"]


def test_full_width_parameter_count():
    # passt-reference.md: PaSST-S (stride 10) has 86,153,758 parameters
    # including the 527-class head and the unused head_dist (404,239).
    with torch.device("meta"):
        encoder = PaSST()
        head = PaSSTHead()
    count = sum(p.numel() for p in [*encoder.parameters(), *head.parameters()])
    assert count + 527 * 768 + 527 == 86_153_758


def test_forward_frames_pools_time_columns():
    encoder = _tiny().eval()
    x = torch.randn(2, 300, 128)
    lengths = torch.tensor([1.0, 0.5])
    with torch.no_grad():
        clip, frames, columns = encoder.forward_frames(x, lengths)
        tokens, _ = encoder.encode_tokens(x, lengths)
        alone = encoder.forward_frames(x[1:, :150])
    # The clip embedding is forward's, exactly.
    assert torch.equal(clip, encoder(x, lengths))
    # Frequency-major patch tokens [12 rows x 29 columns], mean per column.
    n_freq, n_time = 12, (300 - 16) // 10 + 1
    grid = tokens[:, 2:].reshape(2, n_freq, n_time, -1)
    assert frames.shape == (2, n_time, 32)
    assert torch.equal(frames, grid.mean(dim=1))
    # Columns that cover the item's own frames; those equal the item alone.
    assert columns.tolist() == [n_time, (150 - 16) // 10 + 1]
    valid = int(columns[1])
    assert torch.allclose(frames[1, :valid], alone[1][0], atol=1e-5)
    assert torch.allclose(clip[1], alone[0][0], atol=1e-5)
    assert encoder.column_centres(3).tolist() == [8.0, 18.0, 28.0]


def test_forward_frames_needs_the_whole_grid():
    encoder = _tiny(s_patchout_t=2).train()
    with pytest.raises(ValueError, match="whole patch grid"):
        encoder.forward_frames(torch.randn(1, 100, 128))
    _, frames, _ = encoder.eval().forward_frames(torch.randn(1, 100, 128))
    assert frames.shape == (1, 9, 32)
