"""Named landmark indices of MediaPipe's 478-point refined face mesh (468 mesh + 10 iris).

Sides: every ``RIGHT_*`` / ``LEFT_*`` name is the SUBJECT'S OWN side. In an unmirrored camera
image the subject's right appears on the image's left (smaller x). Checked on the golden face
(golden/face_blendshapes_in_landmarks.prototxt, the face of images/portrait.jpg, 820x1024):
``RIGHT_EYE_OUTER`` (33) lies at x = 0.421 and ``LEFT_EYE_OUTER`` (263) at x = 0.569, and the
iris centred at 468 sits between 33 and 133 while the one centred at 473 sits between 362 and
263. This matches MediaPipe's own ``FACEMESH_LEFT_EYE`` / ``FACEMESH_RIGHT_EYE`` naming.

Ordering conventions (so a synthetic face or a solver can rely on them):
- eyelid rows run from the outer (temporal) corner to the inner (nasal) corner, and the upper
  and lower rows are paired column by column (``*_EYE_UPPER[i]`` sits above ``*_EYE_LOWER[i]``);
- brow rows run from the outer end to the inner end;
- lip rows run from the subject's right corner to the subject's left corner, upper and lower
  rows paired column by column, the middle column being the face's midline;
- iris rings are ``(nasal-or-temporal side, top, other side, bottom)`` exactly as MediaPipe
  orders them; use ``*_IRIS_TOP`` / ``*_IRIS_BOTTOM`` by name rather than by position.

Indices come from MediaPipe's canonical face model (face_mesh_connections.py and the
canonical_face_model_uv_visualization chart).
"""
from __future__ import annotations

import numpy as np

NUM_LANDMARKS = 478
NUM_MESH_LANDMARKS = 468

# --- eyes ---------------------------------------------------------------------------------
RIGHT_EYE_OUTER = 33
RIGHT_EYE_INNER = 133
LEFT_EYE_OUTER = 263
LEFT_EYE_INNER = 362

# Lid contours between the corners, outer -> inner, upper and lower paired by column.
RIGHT_EYE_UPPER = np.array([246, 161, 160, 159, 158, 157, 173])
RIGHT_EYE_LOWER = np.array([7, 163, 144, 145, 153, 154, 155])
LEFT_EYE_UPPER = np.array([466, 388, 387, 386, 385, 384, 398])
LEFT_EYE_LOWER = np.array([249, 390, 373, 374, 380, 381, 382])
# The three central columns: the part of the lid that actually travels in a blink.
RIGHT_EYE_UPPER_MID = RIGHT_EYE_UPPER[2:5]
RIGHT_EYE_LOWER_MID = RIGHT_EYE_LOWER[2:5]
LEFT_EYE_UPPER_MID = LEFT_EYE_UPPER[2:5]
LEFT_EYE_LOWER_MID = LEFT_EYE_LOWER[2:5]

# --- irises (only present in the refined 478-point mesh) ----------------------------------
RIGHT_IRIS_CENTER = 468
RIGHT_IRIS_RING = np.array([469, 470, 471, 472])  # nasal, top, temporal, bottom
RIGHT_IRIS_TOP = 470
RIGHT_IRIS_BOTTOM = 472
LEFT_IRIS_CENTER = 473
LEFT_IRIS_RING = np.array([474, 475, 476, 477])  # temporal, top, nasal, bottom
LEFT_IRIS_TOP = 475
LEFT_IRIS_BOTTOM = 477
RIGHT_IRIS = np.array([468, 469, 470, 471, 472])
LEFT_IRIS = np.array([473, 474, 475, 476, 477])

# --- brows (outer end -> inner end) -------------------------------------------------------
RIGHT_BROW_UPPER = np.array([70, 63, 105, 66, 107])
RIGHT_BROW_LOWER = np.array([46, 53, 52, 65, 55])
LEFT_BROW_UPPER = np.array([300, 293, 334, 296, 336])
LEFT_BROW_LOWER = np.array([276, 283, 282, 295, 285])
RIGHT_BROW_INNER = np.array([107, 55])
RIGHT_BROW_OUTER = np.array([70, 46])
LEFT_BROW_INNER = np.array([336, 285])
LEFT_BROW_OUTER = np.array([300, 276])

# --- lips (subject's right corner -> subject's left corner) -------------------------------
MOUTH_RIGHT_CORNER = 61
MOUTH_LEFT_CORNER = 291
MOUTH_RIGHT_INNER_CORNER = 78
MOUTH_LEFT_INNER_CORNER = 308
LIPS_OUTER_UPPER = np.array([61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291])
LIPS_OUTER_LOWER = np.array([61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291])
LIPS_INNER_UPPER = np.array([78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308])
LIPS_INNER_LOWER = np.array([78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308])
UPPER_LIP_TOP = 0  # outer edge of the upper lip on the midline
UPPER_LIP_BOTTOM = 13  # inner edge of the upper lip on the midline
LOWER_LIP_TOP = 14  # inner edge of the lower lip on the midline
LOWER_LIP_BOTTOM = 17  # outer edge of the lower lip on the midline
# Inner-lip columns either side of the midline, for per-side lip gaps.
RIGHT_INNER_UPPER_SIDE = np.array([81, 80])
RIGHT_INNER_LOWER_SIDE = np.array([178, 88])
LEFT_INNER_UPPER_SIDE = np.array([311, 310])
LEFT_INNER_LOWER_SIDE = np.array([402, 318])
# Outer lower lip either side of the midline (mouthLowerDown per side).
RIGHT_LOWER_LIP_SIDE = np.array([181, 84])
LEFT_LOWER_LIP_SIDE = np.array([405, 314])
RIGHT_UPPER_LIP_SIDE = np.array([39, 37])
LEFT_UPPER_LIP_SIDE = np.array([269, 267])

# --- nose ---------------------------------------------------------------------------------
NOSE_BRIDGE_TOP = 168  # between the eyes
NOSE_BRIDGE = 6
NOSE_TIP = 1
NOSE_PRONASALE = 4
NOSE_BOTTOM = 2  # subnasale, where the nose meets the upper lip
NOSE_RIGHT_ALA = 98
NOSE_LEFT_ALA = 327
NOSE_RIGHT_WING = 64
NOSE_LEFT_WING = 294

# --- face outline and forehead ------------------------------------------------------------
FOREHEAD_TOP = 10
FOREHEAD = 151
GLABELLA = 9
CHIN = 152
FACE_RIGHT_SIDE = 234  # at eye level, the outline's right extreme
FACE_LEFT_SIDE = 454
FACE_RIGHT_TEMPLE = 127
FACE_LEFT_TEMPLE = 356
JAW_RIGHT_ANGLE = 58
JAW_LEFT_ANGLE = 288
JAW_RIGHT_LOW = 172
JAW_LEFT_LOW = 397

# --- cheeks -------------------------------------------------------------------------------
RIGHT_CHEEKBONE = 116
LEFT_CHEEKBONE = 345
RIGHT_CHEEK = 50  # malar cheek below the eye, lifts in a smile / cheek squint
LEFT_CHEEK = 280
RIGHT_CHEEK_LOW = 205  # beside the nose wing, bulges in a puff
LEFT_CHEEK_LOW = 425
RIGHT_CHEEK_OUTER = 123
LEFT_CHEEK_OUTER = 352
RIGHT_CHEEK_MOUTH = 206  # beside the mouth corner
LEFT_CHEEK_MOUTH = 426

# Points that move with the skull, not with the jaw, lids, brows or lips: the head pose is fit
# to these so that expressions do not tilt the head.
RIGID = np.array(
    [
        FOREHEAD_TOP, FOREHEAD, GLABELLA, NOSE_BRIDGE_TOP, NOSE_BRIDGE, NOSE_PRONASALE,
        NOSE_BOTTOM, NOSE_RIGHT_WING, NOSE_LEFT_WING,
        RIGHT_EYE_OUTER, RIGHT_EYE_INNER, LEFT_EYE_OUTER, LEFT_EYE_INNER,
        FACE_RIGHT_SIDE, FACE_LEFT_SIDE, FACE_RIGHT_TEMPLE, FACE_LEFT_TEMPLE,
        RIGHT_CHEEKBONE, LEFT_CHEEKBONE,
    ]
)
