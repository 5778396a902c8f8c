"""cpu_default with rotary positions (RoPE) instead of learned ones; the other encodings:
--config.model.position_encoding=sinusoidal (or none)."""

from experiments.configs import cpu_default


def get_config():
  config = cpu_default.get_config()
  config.model.position_encoding = "rope"
  return config
