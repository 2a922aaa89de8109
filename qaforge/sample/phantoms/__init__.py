"""Synthetic CMR phantoms: small, deterministic NIfTI series that behave like scans.

Drawing convention. A phantom is drawn as the image a CMR workstation shows
(the display convention of :mod:`qaforge.images.display`): ``Phantom.array``
is indexed ``array[row, col, z, t]`` with row 0 at the top and column 0 on the
left, as ``matplotlib.pyplot.imshow(array[:, :, z, t])`` shows it.

- Short axis: seen from the apex, the RV on the viewer's left. About the LV
  centre ``(row_c, col_c)`` the angle of a pixel is measured in degrees
  clockwise from the top of the image::

      theta = degrees(arctan2(col - col_c, -(row - row_c))) mod 360

  so the anterior wall is at the top (0 deg), lateral on the viewer's right
  (90 deg), inferior at the bottom (180 deg) and the septum on the viewer's
  left (270 deg, where the RV sits). The six walls are 60-degree sectors
  ``[start, end)``: anterior 330-30, anterolateral 30-90, inferolateral
  90-150, inferior 150-210, inferoseptal 210-270, anteroseptal 270-330; the
  coarse ``septal`` is 210-330 and ``lateral`` 30-150. Depth inside the wall
  is 0 at the endocardium and 1 at the epicardium: subendocardial 0-0.5,
  midwall 1/3-2/3, subepicardial 2/3-1, transmural 0-1, diffuse 0-0.5.
  (The sectors are the drawing's; in the world the top of a short-axis
  image points mostly superior, as on real oblique planes.)
- Drawn slices run from base to apex. A stack may start with one or two
  slices above the mitral valve (atria and great vessels, no LV) and end
  with one below the apex (liver); ``truth["lv_slices"]`` is the
  ``[first, last]`` slice holding LV, and the levels are the thirds of those
  slices (``numpy.array_split``: basal, mid, apical).
- 4-chamber and 3-chamber: the patient's right on the image's left and
  anterior at the top, so the apex points to the upper right; 2-chamber:
  superior at the top, anterior on the right, the apex to the lower right.
  ``truth["lv_axis_rc"]`` gives the drawn base and apex of the LV cavity at
  ED and its half width.

World geometry. Every series has an oblique affine with the numbers of real
planning geometry (RAS+ mm): the long axis from base to apex points to the
patient's left, anterior and a little inferior, about ``(-0.64, 0.74,
-0.21)`` (the UK Biobank demo study's short-axis normal), turned by up to
5 degrees per study; short-axis slices are perpendicular to it, 8 mm apart
(perfusion: three slices at 15, 45 and 75 % of the LV length); the long-axis
planes contain it, turned about it from the top of the short-axis display by
about 90 degrees (4CH, nearly axial, tilted 10-25 degrees), 135 (3CH) and 5
(2CH, sagittal-oblique), each within 4 degrees. The in-plane axes of the
drawing are the convention's right and down directions, turned in-plane by
up to 8 degrees, so ``display_orientation(phantom.affine, view)`` leaves the
drawing as it is, and the world agrees with it: on the short axis the
patient's right projects to the image's left, on the long axes the apex
direction in the image is the long axis projected.

Storage orders. A file stores the drawing in one of the 8 in-plane orders
(transpose, then reverse rows, then reverse columns; :class:`StorageOrder`),
with the affine adjusted so world geometry is unchanged, and a short-axis
stack base first or apex first (the slice axis reversed, each slice keeping
its world position). ``Phantom.storage`` is the order the sample writer uses
for that series (:func:`study_storage`; several in the sample, three studies
apex first); :func:`encode_nifti_gz` writes the drawing as drawn unless given
a ``storage``. ``Phantom.file_slice`` and ``Phantom.drawn_slice`` map slice
indices between the drawing and the file, and :func:`store` gives the stored
array, affine and the truth re-indexed to the file's slices (what
``series_truth.jsonl`` holds). Rows, columns and angles in a truth record
(``center_rc``, ``lv_axis_rc``, sectors) always refer to the displayed image.

Appearance. Besides the heart there is a bright static subcutaneous fat ring
and a liver of intermediate signal; on long-axis cines (and on short-axis
slices above the base) the atria fill while the ventricles empty, so the
whole-image bright area changes only a few per cent over the cycle. The ED
frame is often not frame 0 (a few frames into the cycle, or a few before its
end); ES follows 35-45 % of the cycle later. Arrays are uint8 with seeded
noise.

The package: :mod:`~qaforge.sample.phantoms.geometry` (planning geometry),
:mod:`~qaforge.sample.phantoms.study` (per-study choices),
:mod:`~qaforge.sample.phantoms.storage` (storage orders),
:mod:`~qaforge.sample.phantoms.anatomy` (walls, levels, LV shape and motion),
:mod:`~qaforge.sample.phantoms.drawing` (pixels and layers),
:mod:`~qaforge.sample.phantoms.short_axis` and :mod:`~qaforge.sample.phantoms.long_axis`
(the series), :mod:`~qaforge.sample.phantoms.truth` (truth records),
:mod:`~qaforge.sample.phantoms.phantom` (:func:`build_phantom`) and
:mod:`~qaforge.sample.phantoms.writing` (:func:`store`, :func:`encode_nifti_gz`).
"""

from __future__ import annotations

from qaforge.sample.phantoms.anatomy import (
    ANGLE_BINS,
    DEPTH_BANDS,
    LONG_AXIS_SHIFT_PX,
    MOTION_WEIGHT,
    PERFUSION_FRAMES,
    PERFUSION_POSITIONS,
    SAX_SPAN,
    WALL_SECTORS,
    LvShape,
    cycle_fraction,
    in_sector,
    level_slices,
    long_axis_center_rc,
    long_axis_semi_axes,
    lv_shape,
    perfusion_curves,
    sax_positions,
    stack_positions,
)
from qaforge.sample.phantoms.drawing import (
    CINE,
    EFFUSION_PX,
    LGE,
    LIVER_RC,
    NOISE_SD,
    PERFUSION,
    RV_WIDTH_PX,
    T2,
    THROMBUS_RADIUS_PX,
)
from qaforge.sample.phantoms.geometry import (
    AXIS_JITTER_DEG,
    BASE_CENTRE_MM,
    IN_PLANE_JITTER_DEG,
    LONG_AXIS_RAS,
    MATRIX,
    PIXEL_MM,
    PLANE_TURN_DEG,
    SLICE_MM,
    TURN_JITTER_DEG,
    HeartGeometry,
    long_axis_direction_rc,
    view_axes,
)
from qaforge.sample.phantoms.long_axis import (
    ATRIAL_SHARE,
)
from qaforge.sample.phantoms.phantom import (
    Phantom,
    build_phantom,
)
from qaforge.sample.phantoms.storage import (
    APEX_FIRST_STUDIES,
    IN_PLANE_ORDERS,
    StorageOrder,
    study_storage,
)
from qaforge.sample.phantoms.study import (
    StudyParams,
    sax_affine,
    study_params,
)
from qaforge.sample.phantoms.writing import (
    DESCRIP,
    StoredSeries,
    encode_nifti_gz,
    store,
)

__all__ = [
    "ANGLE_BINS",
    "APEX_FIRST_STUDIES",
    "ATRIAL_SHARE",
    "AXIS_JITTER_DEG",
    "BASE_CENTRE_MM",
    "CINE",
    "DEPTH_BANDS",
    "DESCRIP",
    "EFFUSION_PX",
    "HeartGeometry",
    "IN_PLANE_JITTER_DEG",
    "IN_PLANE_ORDERS",
    "LGE",
    "LIVER_RC",
    "LONG_AXIS_RAS",
    "LONG_AXIS_SHIFT_PX",
    "LvShape",
    "MATRIX",
    "MOTION_WEIGHT",
    "NOISE_SD",
    "PERFUSION",
    "PERFUSION_FRAMES",
    "PERFUSION_POSITIONS",
    "PIXEL_MM",
    "PLANE_TURN_DEG",
    "Phantom",
    "RV_WIDTH_PX",
    "SAX_SPAN",
    "SLICE_MM",
    "StorageOrder",
    "StoredSeries",
    "StudyParams",
    "T2",
    "THROMBUS_RADIUS_PX",
    "TURN_JITTER_DEG",
    "WALL_SECTORS",
    "build_phantom",
    "cycle_fraction",
    "encode_nifti_gz",
    "in_sector",
    "level_slices",
    "long_axis_center_rc",
    "long_axis_direction_rc",
    "long_axis_semi_axes",
    "lv_shape",
    "perfusion_curves",
    "sax_affine",
    "sax_positions",
    "stack_positions",
    "store",
    "study_params",
    "study_storage",
    "view_axes",
]
