"""The benchmark-ready export: records per split, images, provenance, manifest, schema, dataset card."""
