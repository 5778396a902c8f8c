"""Test-wide JAX settings: strict rank promotion and a persistent compilation cache."""

import os

import jax

jax.config.update("jax_numpy_rank_promotion", "raise")
jax.config.update("jax_compilation_cache_dir",
                  os.environ.get("JAX_COMPILATION_CACHE_DIR",
                                 os.path.expanduser("~/.cache/difficulty-sim/jax")))
jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.5)
