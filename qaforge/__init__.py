"""qaforge: verified, leakage-checked VQA benchmarks from cardiac MRI reports and series."""

__version__ = "0.1.0"
