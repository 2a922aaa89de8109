"""Label Studio verification: labeling configs, push, pull, agreement."""
