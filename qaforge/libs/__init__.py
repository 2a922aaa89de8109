"""Each heavy third-party library's one module.

A stage never imports nibabel, httpx, Jinja2, rapidfuzz or Pillow itself: it
calls the small functions here, which take and give plain Python, numpy and
pydantic values. Swapping or upgrading a library then touches one file, and
the lint rule that bans a library names one allowed importer.

- :mod:`qaforge.libs.nifti`: nibabel (NIfTI headers, voxels, writing).
- :mod:`qaforge.libs.http`: httpx (the HTTP client base).
- :mod:`qaforge.libs.templating`: Jinja2 (the sandboxed environment).
- :mod:`qaforge.libs.fuzzy`: rapidfuzz (string similarity and alignment).
- :mod:`qaforge.libs.pictures`: Pillow (PNG encoding, resizing, drawing).

Modules here may import only :mod:`qaforge.errors`, :mod:`qaforge.resources`,
:mod:`qaforge.domain` and each other.
"""
