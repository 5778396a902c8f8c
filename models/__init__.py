"""Small decoder-only transformers whose parameters are plain pytrees (vmappable over runs)."""

from models.transformer import POSITION_ENCODINGS, ModelConfig, Transformer, random_positions

__all__ = ["POSITION_ENCODINGS", "ModelConfig", "Transformer", "random_positions"]
