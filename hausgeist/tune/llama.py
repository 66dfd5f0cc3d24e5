"""A small, self-contained torch implementation of the Llama architecture SmolLM2 uses.

It runs on the tensors of a GGUF file in llama.cpp's layout, so nothing is converted
on the way in or out: the query and key weights are already permuted for llama.cpp's
RoPE (adjacent pairs rotate together), and that is the rotation used here.

Requests are *packed*: the home's prompt prefix is run once, and every request of a
batch follows it as one segment of a single sequence, attending to the whole prefix
and causally to its own tokens only (:class:`Packed`). The gradient is the same as
running each request after its own copy of the prefix, for a fraction of the cost.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812
from torch import Tensor, nn

from hausgeist.tune.weights import Array, GgufModel, LlamaShape

KeyValues = list[tuple[Tensor, Tensor]]
"""Per layer, the keys and values of the prefix: (kv_heads, prefix tokens, head_dim)."""

_BLOCK_TENSORS = {
    "attn_norm": "attn_norm.weight",
    "q": "attn_q.weight",
    "k": "attn_k.weight",
    "v": "attn_v.weight",
    "o": "attn_output.weight",
    "ffn_norm": "ffn_norm.weight",
    "gate": "ffn_gate.weight",
    "up": "ffn_up.weight",
    "down": "ffn_down.weight",
}


@dataclass(frozen=True)
class Packed:
    """Requests packed into one sequence after a shared prefix."""

    ids: Tensor
    """Token ids of every segment, one after the other (long, 1-D)."""
    positions: Tensor
    """Each token's position (the prefix length plus its offset in its segment)."""
    segments: Tensor
    """Which segment each token belongs to."""

    @classmethod
    def of(cls, sequences: list[list[int]], prefix_len: int) -> Packed:
        """Pack token lists that all follow a prefix of ``prefix_len`` tokens."""
        ids = [t for seq in sequences for t in seq]
        positions = [prefix_len + i for seq in sequences for i in range(len(seq))]
        segments = [n for n, seq in enumerate(sequences) for _ in seq]
        return cls(
            torch.tensor(ids, dtype=torch.long),
            torch.tensor(positions, dtype=torch.long),
            torch.tensor(segments, dtype=torch.long),
        )

    def mask(self, prefix_len: int) -> Tensor:
        """Which keys each token may see: the whole prefix, then its own segment causally."""
        n = self.ids.shape[0]
        index = torch.arange(n)
        own = (self.segments[:, None] == self.segments[None, :]) & (
            index[None, :] <= index[:, None]
        )
        return torch.cat([torch.ones(n, prefix_len, dtype=torch.bool), own], dim=1)


class RMSNorm(nn.Module):
    """Root-mean-square layer norm, computed in float32."""

    def __init__(self, width: int, eps: float) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(width))
        self.eps = eps

    def forward(self, x: Tensor) -> Tensor:
        x32 = x.float()
        normed = x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.eps)
        return (normed * self.weight).to(x.dtype)


class Block(nn.Module):
    """One transformer block: grouped-query attention and a SwiGLU feed-forward."""

    def __init__(self, shape: LlamaShape) -> None:
        super().__init__()
        h, d = shape.hidden, shape.head_dim
        self.shape = shape
        self.attn_norm = RMSNorm(h, shape.eps)
        self.q = nn.Linear(h, shape.heads * d, bias=False)
        self.k = nn.Linear(h, shape.kv_heads * d, bias=False)
        self.v = nn.Linear(h, shape.kv_heads * d, bias=False)
        self.o = nn.Linear(shape.heads * d, h, bias=False)
        self.ffn_norm = RMSNorm(h, shape.eps)
        self.gate = nn.Linear(h, shape.ffn, bias=False)
        self.up = nn.Linear(h, shape.ffn, bias=False)
        self.down = nn.Linear(shape.ffn, h, bias=False)

    def forward(
        self,
        x: Tensor,
        rope: tuple[Tensor, Tensor],
        past: tuple[Tensor, Tensor] | None,
        mask: Tensor | None,
    ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        """``x`` (tokens, hidden) -> new ``x`` and this call's keys and values."""
        s = self.shape
        n = x.shape[0]
        a = self.attn_norm(x)
        q = _rotate(self.q(a).view(n, s.heads, s.head_dim), rope).transpose(0, 1)
        k = _rotate(self.k(a).view(n, s.kv_heads, s.head_dim), rope).transpose(0, 1)
        v = self.v(a).view(n, s.kv_heads, s.head_dim).transpose(0, 1)
        keys, values = (
            (k, v) if past is None else (torch.cat([past[0], k], 1), torch.cat([past[1], v], 1))
        )
        out = F.scaled_dot_product_attention(
            q.unsqueeze(0),
            keys.unsqueeze(0).to(q.dtype),
            values.unsqueeze(0).to(q.dtype),
            attn_mask=mask,
            is_causal=mask is None,
            enable_gqa=True,
        )
        x = x + self.o(out.squeeze(0).transpose(0, 1).reshape(n, -1))
        f = self.ffn_norm(x)
        x = x + self.down(F.silu(self.gate(f)) * self.up(f))
        return x, (k, v)


class Llama(nn.Module):
    """The whole model; the output layer is the token embedding when the file ties them."""

    def __init__(self, shape: LlamaShape) -> None:
        super().__init__()
        self.shape = shape
        self.embed = nn.Embedding(shape.vocab, shape.hidden)
        self.blocks = nn.ModuleList(Block(shape) for _ in range(shape.layers))
        self.norm = RMSNorm(shape.hidden, shape.eps)
        self.output = None if shape.tied else nn.Linear(shape.hidden, shape.vocab, bias=False)
        half = shape.head_dim // 2
        inv = 1.0 / (
            shape.rope_base ** (torch.arange(half, dtype=torch.float64) * 2 / shape.head_dim)
        )
        self.register_buffer("inv_freq", inv.float(), persistent=False)

    @classmethod
    def from_gguf(cls, model: GgufModel) -> Llama:
        """A model holding the file's (dequantized) weights."""
        llama = cls(model.shape)
        llama.load_gguf_tensors(model.tensors)
        return llama

    def load_gguf_tensors(self, tensors: dict[str, Array]) -> None:
        """Copy weights named as in a GGUF file into the model."""
        with torch.no_grad():
            for name, param in self.gguf_parameters().items():
                param.copy_(torch.from_numpy(tensors[name]).view_as(param))

    def gguf_parameters(self) -> dict[str, Tensor]:
        """Every parameter under its GGUF tensor name."""
        params: dict[str, Tensor] = {
            "token_embd.weight": self.embed.weight,
            "output_norm.weight": self.norm.weight,
        }
        if self.output is not None:
            params["output.weight"] = self.output.weight
        for i, block in enumerate(self.blocks):
            for attr, suffix in _BLOCK_TENSORS.items():
                module = getattr(block, attr)
                params[f"blk.{i}.{suffix}"] = module.weight
        return params

    def gguf_tensors(self) -> dict[str, Array]:
        """The current weights as float32 arrays, named and shaped as in a GGUF file."""
        return {
            name: np.ascontiguousarray(p.detach().float().cpu().numpy())
            for name, p in self.gguf_parameters().items()
        }

    def freeze(self, trained_layers: int) -> list[nn.Parameter]:
        """Train only the top ``trained_layers`` blocks and the final norm; the embedding
        stays frozen (it is also the output layer). Returns the trained parameters."""
        first = max(0, self.shape.layers - trained_layers)
        for param in self.parameters():
            param.requires_grad = False
        trained: list[nn.Parameter] = []
        for block in list(self.blocks)[first:]:
            trained += list(block.parameters())
        trained += list(self.norm.parameters())
        for param in trained:
            param.requires_grad = True
        return trained

    def prefix(self, ids: Tensor) -> KeyValues:
        """Run the shared prefix; the per-layer keys and values later segments attend to."""
        x = self.embed(ids)
        rope = self._rope(torch.arange(ids.shape[0]))
        past: KeyValues = []
        for block in self.blocks:
            x, kv = block(x, rope, None, None)
            past.append(kv)
        return past

    def forward(self, packed: Packed, past: KeyValues | None) -> Tensor:
        """Hidden states after the final norm for every packed token, (tokens, hidden)."""
        prefix_len = 0 if past is None else past[0][0].shape[1]
        mask = packed.mask(prefix_len)
        rope = self._rope(packed.positions)
        x = self.embed(packed.ids)
        for i, block in enumerate(self.blocks):
            x, _ = block(x, rope, None if past is None else past[i], mask)
        out: Tensor = self.norm(x)
        return out

    def logits(self, hidden: Tensor) -> Tensor:
        """Next-token logits for some hidden states (only where a loss is taken)."""
        weight = self.embed.weight if self.output is None else self.output.weight
        return F.linear(hidden, weight.to(hidden.dtype)).float()

    def _rope(self, positions: Tensor) -> tuple[Tensor, Tensor]:
        inv_freq: Tensor = self.inv_freq  # type: ignore[assignment]
        angles = positions.float()[:, None] * inv_freq[None, :]
        return angles.cos()[:, None, :], angles.sin()[:, None, :]


def _rotate(x: Tensor, rope: tuple[Tensor, Tensor]) -> Tensor:
    """llama.cpp's "normal" RoPE: dimensions 2i and 2i+1 rotate as one pair."""
    cos, sin = rope
    pairs = x.float().reshape(*x.shape[:-1], -1, 2)
    even, odd = pairs[..., 0], pairs[..., 1]
    out = torch.stack([even * cos - odd * sin, even * sin + odd * cos], dim=-1)
    return out.flatten(-2).to(x.dtype)
