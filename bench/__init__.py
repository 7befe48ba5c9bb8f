"""The benchmark suite (`python -m bench`) and the stand-alone benchmarks beside it."""
