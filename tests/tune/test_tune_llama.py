"""The torch Llama: packed requests behind a shared prefix see exactly what they would alone."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from hausgeist.tune.llama import Llama, Packed  # noqa: E402
from hausgeist.tune.weights import LlamaShape  # noqa: E402

SHAPE = LlamaShape(
    vocab=50,
    hidden=32,
    layers=2,
    heads=4,
    kv_heads=2,
    ffn=48,
    rope_base=10000.0,
    eps=1e-5,
    tied=True,
)


@pytest.fixture
def model():
    torch.manual_seed(0)
    llama = Llama(SHAPE)
    with torch.no_grad():
        for p in llama.parameters():
            p.normal_(0, 0.2)
    return llama.eval()


def _alone(model, prefix, seq):
    with torch.no_grad():
        past = model.prefix(torch.tensor(prefix))
        return model(Packed.of([seq], len(prefix)), past)


def test_a_packed_request_sees_only_the_prefix_and_itself(model):
    prefix = [1, 2, 3, 4, 5]
    first, second = [7, 8, 9], [10, 11, 12, 13]
    with torch.no_grad():
        past = model.prefix(torch.tensor(prefix))
        packed = model(Packed.of([first, second], len(prefix)), past)
    assert torch.allclose(packed[:3], _alone(model, prefix, first), atol=1e-5)
    assert torch.allclose(packed[3:], _alone(model, prefix, second), atol=1e-5)


def test_prefix_then_suffix_equals_one_sequence(model):
    tokens = [3, 1, 4, 1, 5, 9, 2, 6]
    with torch.no_grad():
        whole = model(Packed.of([tokens], 0), None)
    assert torch.allclose(_alone(model, tokens[:5], tokens[5:]), whole[5:], atol=1e-5)


def test_freezing_trains_only_the_top_blocks(model):
    trained = model.freeze(1)
    names = {n for n, p in model.named_parameters() if p.requires_grad}
    assert all(n.startswith(("blocks.1.", "norm.")) for n in names)
    assert not model.embed.weight.requires_grad
    assert len(trained) == len(names)


def test_weights_keep_their_gguf_names_and_shapes(model):
    tensors = model.gguf_tensors()
    assert tensors["token_embd.weight"].shape == (50, 32)
    assert tensors["blk.1.attn_k.weight"].shape == (16, 32)
    assert tensors["blk.0.ffn_down.weight"].shape == (32, 48)
    fresh = Llama(SHAPE)
    fresh.load_gguf_tensors(tensors)
    assert torch.equal(fresh.blocks[1].up.weight, model.blocks[1].up.weight)
