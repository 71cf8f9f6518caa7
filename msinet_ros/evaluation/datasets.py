"""
The saliency datasets as the official MSI-Net repository installs them, and their splits.

Layout: ``<data>/<dataset>/{stimuli,fixations,saliency}``, exactly as the official
``download.py`` writes it; :func:`open_dataset` takes the dataset folder (or its parent, with
the name). Files are found as ``data.py``'s ``_get_file_list`` does (a walk of the folder and
its sub-folders for ``.png``/``.jpg``/``.jpeg``, any case; ``.mat`` too for fixations), and
``samples`` is in its order: the stimulus paths sorted as strings. A stimulus is paired with its
fixation and density ("saliency") files by relative folder and file stem, with the
``_fixPts``/``_fixMap`` endings removed. (Upstream pairs two sorted lists by position and its
``_check_consistency`` never compares the names: the ``zip`` it counts is then empty.) A file
without a partner (a missing file, or a stray one) is a :class:`DatasetError` naming the first
such file and the counts, as are two files of one stem in a folder. A missing ``fixations``
or ``saliency`` folder leaves that part out (``None``: the measures needing it are n/a); a
missing ``stimuli`` folder, or both of the others, is an error.

Per dataset (``name``: stimuli / fixations / density maps):

- ``mit1003``: ``<stem>.jpeg`` / ``<stem>_fixPts.jpg`` / ``<stem>_fixMap.jpg``, the files of
  Judd's ALLSTIMULI and ALLFIXATIONMAPS archives under their own names (download.py renames
  none; it drops the stray ``…p1010764fixPts.jpg``). The binary fixation maps are lossy JPEGs:
  a pixel is a fixation if its 8-bit value is above 127 (:data:`BINARY_THRESHOLD`), the
  midpoint of 0 and 255, which leaves the most room for the codec's error either way (in
  trials with OpenCV's libjpeg, lone fixated pixels in black decoded to >= 236 at quality 75,
  MATLAB's default, and the ringing around them to <= 37; at quality 50, >= 195 and <= 98),
  whereas ``> 0`` would count the ringing around every fixation as fixations.
- ``cat2000``: ``<Category>/<stem>.jpg`` / ``<Category>/<stem>.mat`` / ``<Category>/<stem>.jpg``
  in 20 category folders (the trainSet's Stimuli, FIXATIONLOCS, FIXATIONMAPS). The ``.mat``
  holds ``fixLocs``, a binary map at the stimulus size; each non-zero pixel is one fixation.
  MATLAB v5 files are read with scipy, v7.3 (HDF5) files with h5py (an optional dependency:
  without it such a file raises MissingDependencyError saying what to install).
  ``category`` is the folder name; ``name`` is ``<Category>/<stem>`` (stems repeat).
- ``salicon``: ``{train,val}/<stem>.jpg`` / ``{train,val}/<stem>.mat`` /
  ``{train,val}/<stem>.png`` (SALICON 2017, test images left out). The ``.mat`` holds
  ``gaze``, one record per observer whose ``fixations`` are 1-based ``(x, y)``, read as
  pysaliency does (truncated to the pixel: ``int(x - 1)``); every observer's fixations are kept (a
  pixel may appear twice; ones outside the image are left to ``GroundTruth.inside``). ``name``
  is ``<train|val>/<stem>``.
- ``osie`` (``<n>.jpg``, n = 1001…1700), ``dutomron`` (``<stem>.jpg``), ``pascals``
  (``<n>.jpg``, n = 1…850): fixations and density maps are ``<stem>.png`` that download.py
  rendered with matplotlib's ``imsave(cmap='gray')`` (RGBA, grey: the value is read from
  the grey level): binary maps of 0/255, read with the same > 127 rule; density maps are
  the Gaussian-blurred (sigma 16 px) fixations scaled to 0…255 (PASCAL-S: the
  dataset's own ``humanFix`` PNGs).

Density maps of every dataset are 8-bit images, returned as float64 ``value / 255`` (0…1).

Resolution: the ground truth is at the stimulus size (the decoded image, EXIF orientation
ignored, as TensorFlow's decoder in the official code does). A fixation or density map of
another size is a :class:`DatasetError` naming both sizes: the datasets store them at the
stimulus size, so a difference means a wrong or damaged file, and scaling fixations would
silently change what is scored. Metrics are computed at this size because the official test
path (``main.py test`` → ``data.postprocess_saliency_map``) writes each predicted map there:
×255, resized to cover and centre-cropped to the stimulus, rounded to uint8 and encoded as a
grayscale JPEG of quality 100 (``<stem>.jpeg``), i.e. the official maps carry 8-bit and JPEG
quantisation. :meth:`Dataset.stimulus` reads a stimulus as RGB the same way (orientation
ignored).

Splits (:data:`SPLITS`): ``all`` is every sample found, any count. ``official-val`` and
``official-train`` are the ones ``data.py``'s ``load_data`` trains and validates with: the
indices ``0 … n-1`` of the sorted stimuli shuffled by ``np.random.RandomState(42)``; MIT1003
validates on positions 803: of them, DUT-OMRON 4168:, PASCAL-S 650:, OSIE 500:; CAT2000 shuffles
100 and takes the last 20 in each category (category ``c`` adds ``100 c``), training on the
first 80 (so it needs 20 category folders of 100 stimuli); SALICON validates on its ``val``
folder and trains on ``train``. They are returned in that order (the
official validation order; the official training order is reshuffled each epoch). They need
the official number of stimuli (:data:`OFFICIAL_COUNTS`); another count is a DatasetError.
"""

from dataclasses import dataclass
import os
from pathlib import Path
import re
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np
from scipy.io import loadmat

from ..errors import DatasetError, require
from ..metrics.common import GroundTruth

DATASETS: Tuple[str, ...] = ('mit1003', 'cat2000', 'salicon', 'osie', 'dutomron', 'pascals')
SPLITS = ('all', 'official-train', 'official-val')
FOLDERS = ('stimuli', 'fixations', 'saliency')
UPSTREAM_SUFFIXES = ('.png', '.jpg', '.jpeg')  # what data.py's _get_file_list takes
MAT_SUFFIX = '.mat'
MAP_ENDINGS = ('_fixPts', '_fixMap')  # removed from stems to pair (MIT1003)
BINARY_THRESHOLD = 127  # an 8-bit binary-map pixel above this is a fixation
SPLIT_SEED = 42  # data.py's _get_random_indices
OFFICIAL_COUNTS: Dict[str, Dict[str, int]] = {
    # stimuli of each official split (data.py's n_train / n_valid and the totals it asserts)
    'mit1003': {'official-train': 803, 'official-val': 200},
    'cat2000': {'official-train': 1600, 'official-val': 400},
    'salicon': {'official-train': 10000, 'official-val': 5000},
    'osie': {'official-train': 500, 'official-val': 200},
    'dutomron': {'official-train': 4168, 'official-val': 1000},
    'pascals': {'official-train': 650, 'official-val': 200},
}
CAT2000_CATEGORIES = 20
CAT2000_PER_CATEGORY = 100
PATTERNS: Dict[str, Tuple[str, str, str]] = {
    # file names download.py writes: stimuli, fixations, saliency
    'mit1003': ('<stem>.jpeg', '<stem>_fixPts.jpg', '<stem>_fixMap.jpg'),
    'cat2000': ('<Category>/<stem>.jpg', '<Category>/<stem>.mat', '<Category>/<stem>.jpg'),
    'salicon': ('<train|val>/<stem>.jpg', '<train|val>/<stem>.mat', '<train|val>/<stem>.png'),
    'osie': ('<stem>.jpg', '<stem>.png', '<stem>.png'),
    'dutomron': ('<stem>.jpg', '<stem>.png', '<stem>.png'),
    'pascals': ('<stem>.jpg', '<stem>.png', '<stem>.png'),
}
_READ_FLAGS = cv2.IMREAD_GRAYSCALE | cv2.IMREAD_IGNORE_ORIENTATION


@dataclass(frozen=True)
class Sample:
    """One stimulus and its human data; ``name`` is its relative path without the suffix."""

    name: str
    stimulus: Path
    fixations: Optional[Path]
    density: Optional[Path]
    category: Optional[str]


class Dataset:
    """The samples of one dataset folder, in upstream order, and their ground truth."""

    def __init__(self, name: str, root: Path, samples: List[Sample]):
        """Hold the samples (see :func:`open_dataset`, which finds them)."""
        self.name = name
        self.root = root
        self.samples = samples

    def split(self, which: str) -> List[Sample]:
        """Return the samples of a split of :data:`SPLITS` (official ones in official order)."""
        if which not in SPLITS:
            raise DatasetError(f'unknown split {which!r}; choose one of {", ".join(SPLITS)}')
        if which == 'all':
            return list(self.samples)
        expected = OFFICIAL_COUNTS[self.name][which]
        if self.name == 'salicon':
            folder = 'val' if which == 'official-val' else 'train'
            chosen = [s for s in self.samples if s.name.split('/')[0] == folder]
            self._check_count(len(chosen), expected, f'stimuli/{folder}', which)
            return chosen
        total = sum(OFFICIAL_COUNTS[self.name].values())
        self._check_count(len(self.samples), total, 'stimuli', which)
        train, val = (_cat2000_indices(self.samples) if self.name == 'cat2000'
                      else _shuffled_indices(total, OFFICIAL_COUNTS[self.name]['official-train']))
        return [self.samples[i] for i in (val if which == 'official-val' else train)]

    def truth(self, sample: Sample) -> GroundTruth:
        """Read the fixations and density map of a sample at its stimulus size."""
        shape = stimulus_shape(sample.stimulus)
        fixations = np.zeros((0, 2), np.int64)
        if sample.fixations is not None:
            fixations = read_fixations(sample.fixations, shape)
        density = None if sample.density is None else read_density(sample.density, shape)
        return GroundTruth(fixations, shape, density)

    def stimulus(self, sample: Sample) -> np.ndarray:
        """Read a stimulus as RGB uint8 (EXIF orientation ignored, as upstream's decoder)."""
        bgr = cv2.imread(str(sample.stimulus), cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
        if bgr is None:
            raise DatasetError(_unreadable(sample.stimulus, 'stimulus'))
        return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)

    def _check_count(self, found: int, expected: int, folder: str, which: str):
        if found != expected:
            raise DatasetError(
                f'{self.name} {which} needs the {expected} stimuli of the official download in '
                f'{self.root / folder}, found {found}; restore the missing files (download.py '
                'installs them) or score what is there with --split all')


def open_dataset(root: Path, name: Optional[str] = None) -> Dataset:
    """Find the samples of a dataset folder; the name comes from the folder if not given."""
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f'dataset folder {str(root)!r} does not exist; give the folder '
                           'download.py made: <data>/<dataset> with stimuli/, fixations/, '
                           'saliency/')
    wanted = None if name is None else dataset_name(name)
    here = any((root / part).is_dir() for part in FOLDERS)
    folder = root if here else _child_dataset(root, wanted)
    if wanted is None:
        if _normalised(folder.name) not in DATASETS:
            raise DatasetError(f'cannot tell which dataset {str(folder)!r} is from its name; '
                               f'name it one of {", ".join(DATASETS)}, or give the name')
        wanted = _normalised(folder.name)
    return Dataset(wanted, folder, _samples(wanted, folder))


def dataset_name(text: str) -> str:
    """Return the dataset name of :data:`DATASETS` that ``text`` spells (any case, '-', '_')."""
    name = _normalised(text)
    if name not in DATASETS:
        raise DatasetError(f'unknown dataset {text!r}; choose one of {", ".join(DATASETS)}')
    return name


def stimulus_shape(path: Path) -> Tuple[int, int]:
    """Return the (height, width) of a stimulus, or raise DatasetError if it does not decode."""
    image = cv2.imread(str(path), _READ_FLAGS)
    if image is None:
        raise DatasetError(_unreadable(path, 'stimulus'))
    return image.shape[:2]


def read_fixations(path: Path, shape: Tuple[int, int]) -> np.ndarray:
    """Read a fixation file (binary map image or .mat) as (N, 2) int (row, col)."""
    if path.suffix.lower() == MAT_SUFFIX:
        return _mat_fixations(path, shape)
    return np.argwhere(_checked(_grey(path, 'fixation map'), shape, path) > BINARY_THRESHOLD)


def read_density(path: Path, shape: Tuple[int, int]) -> np.ndarray:
    """Read an 8-bit density ("saliency") map as float64 in 0..1."""
    return _checked(_grey(path, 'density map'), shape, path).astype(np.float64) / 255.0


def _normalised(text: str) -> str:
    return re.sub(r'[^a-z0-9]', '', text.lower())


def _child_dataset(parent: Path, wanted: Optional[str]) -> Path:
    children = [child for child in sorted(parent.iterdir())
                if child.is_dir() and (child / 'stimuli').is_dir()
                and _normalised(child.name) in DATASETS
                and (wanted is None or _normalised(child.name) == wanted)]
    if len(children) == 1:
        return children[0]
    found = ', '.join(child.name for child in children) or 'none'
    raise DatasetError(f'{str(parent)!r} has no stimuli/ folder; expected a dataset folder '
                       '(<data>/<dataset>/stimuli, fixations, saliency as download.py makes '
                       f'it) or its parent with one such dataset folder (found: {found}); '
                       'give the dataset folder itself')


def _walk(folder: Path, suffixes: Tuple[str, ...]) -> List[str]:
    """Return the files under ``folder`` with these suffixes, as data.py lists them (sorted)."""
    found = []
    for subdir, _, files in os.walk(str(folder)):
        found.extend(os.path.join(subdir, f) for f in files if f.lower().endswith(suffixes))
    return sorted(found)


def _key(folder: Path, path: str) -> str:
    """Return a file's pairing key: its path under ``folder`` without suffix or map ending."""
    stem = os.path.splitext(path[len(os.path.join(str(folder), '')):])[0].replace(os.sep, '/')
    for ending in MAP_ENDINGS:
        if stem.endswith(ending):
            return stem[:-len(ending)]
    return stem


def _index(folder: Path, suffixes: Tuple[str, ...], what: str) -> Dict[str, Path]:
    index: Dict[str, Path] = {}
    for path in _walk(folder, suffixes):
        key = _key(folder, path)
        if key in index:
            raise DatasetError(f'{index[key]} and {path} are both {what} of {key!r}; keep one '
                               f'and move the other out of {folder}')
        index[key] = Path(path)
    return index


def _samples(name: str, root: Path) -> List[Sample]:
    stimuli_dir, fixations_dir, saliency_dir = (root / folder for folder in FOLDERS)
    if not stimuli_dir.is_dir() or not (fixations_dir.is_dir() or saliency_dir.is_dir()):
        raise DatasetError(f'{name} folder {str(root)!r} needs stimuli/ and at least one of '
                           'fixations/, saliency/ (as download.py makes them)')
    stimuli = _walk(stimuli_dir, UPSTREAM_SUFFIXES)
    if not stimuli:
        raise DatasetError(f'{stimuli_dir} holds no {"/".join(UPSTREAM_SUFFIXES)} files; expected '
                           f'the stimuli of {name} ({PATTERNS[name][0]})')
    keys = [_key(stimuli_dir, path) for path in stimuli]
    if len(set(keys)) < len(keys):
        seen: Dict[str, str] = {}
        for key, path in zip(keys, stimuli):
            if key in seen:
                raise DatasetError(f'{seen[key]} and {path} are both stimuli of {key!r}; keep '
                                   f'one and move the other out of {stimuli_dir}')
            seen[key] = path
    parts = []
    for folder, suffixes, what, pattern in (
            (fixations_dir, UPSTREAM_SUFFIXES + (MAT_SUFFIX,), 'fixation files',
             PATTERNS[name][1]),
            (saliency_dir, UPSTREAM_SUFFIXES, 'density maps', PATTERNS[name][2])):
        if not folder.is_dir():
            parts.append({})
            continue
        index = _index(folder, suffixes, what)
        _check_pairs(keys, stimuli, index, folder, what, pattern)
        parts.append(index)
    fixations, densities = parts
    samples = []
    for key, path in zip(keys, stimuli):
        category = key.split('/')[0] if name == 'cat2000' and '/' in key else None
        samples.append(Sample(key, Path(path), fixations.get(key), densities.get(key), category))
    return samples


def _check_pairs(keys: List[str], stimuli: List[str], index: Dict[str, Path], folder: Path,
                 what: str, pattern: str):
    known = set(keys)
    lonely = [path for key, path in zip(keys, stimuli) if key not in index]
    if not lonely:
        lonely = [str(path) for key, path in index.items() if key not in known]
    if lonely:
        raise DatasetError(
            f'{len(stimuli)} stimuli but {len(index)} {what} in {folder}, and they do not pair '
            f'by name ({pattern}); the first unpaired file is {min(lonely)}: put its partner '
            'back or move it out of the dataset folder')


def _unreadable(path: Path, what: str) -> str:
    return f'{what} {path} is not a readable image; replace it (download.py) or remove it'


def _grey(path: Path, what: str) -> np.ndarray:
    image = cv2.imread(str(path), _READ_FLAGS)
    if image is None:
        raise DatasetError(_unreadable(path, what))
    return image


def _checked(values: np.ndarray, shape: Tuple[int, int], path: Path) -> np.ndarray:
    if values.ndim != 2 or tuple(values.shape) != tuple(shape):
        size = 'x'.join(str(n) for n in values.shape)
        raise DatasetError(f'{path} is {size} but its stimulus is '
                           f'{shape[0]}x{shape[1]} (height x width); the dataset stores them at '
                           'the same size: replace the file, or remove this sample')
    return values


def _mat_fixations(path: Path, shape: Tuple[int, int]) -> np.ndarray:
    try:
        contents = loadmat(str(path))
    except NotImplementedError:  # MATLAB v7.3 is HDF5
        return np.argwhere(_checked(_hdf5_fixlocs(path), shape, path) > 0)
    except Exception as exc:  # scipy raises many kinds for a damaged file
        raise DatasetError(f'{path} is not a readable .mat file ({exc}); replace it') from exc
    if 'fixLocs' in contents:  # CAT2000: binary map at the stimulus size
        return np.argwhere(_checked(np.asarray(contents['fixLocs']), shape, path) > 0)
    gaze = contents.get('gaze')
    if gaze is not None and gaze.dtype.names and 'fixations' in gaze.dtype.names:
        return _gaze_fixations(gaze)
    variables = ', '.join(k for k in contents if not k.startswith('__')) or 'none'
    raise DatasetError(f'{path} holds neither fixLocs (CAT2000) nor gaze with fixations '
                       f'(SALICON) but: {variables}; replace it with the dataset file')


def _gaze_fixations(gaze: np.ndarray) -> np.ndarray:
    """SALICON: every observer's ``fixations``, 1-based (x, y), as (row, col)."""
    points = [np.asarray(record['fixations'], np.float64).reshape(-1, 2)
              for record in gaze.ravel()]
    xy = np.concatenate(points) if points else np.zeros((0, 2))
    return np.floor(xy[:, ::-1] - 1).astype(np.int64)  # pysaliency: x_int = int(x), 0-based


def _hdf5_fixlocs(path: Path) -> np.ndarray:
    h5py = require('h5py', f'install it (pip install h5py) to read {path}, a MATLAB v7.3 file, '
                           'or save it again in MATLAB with the -v7 option')
    try:
        with h5py.File(str(path), 'r') as contents:
            if 'fixLocs' not in contents:
                raise DatasetError(f'{path} (MATLAB v7.3) holds no fixLocs but: '
                                   f'{", ".join(contents)}; replace it with the dataset file')
            return np.asarray(contents['fixLocs']).T  # MATLAB stores columns first
    except OSError as exc:
        raise DatasetError(f'{path} is not a readable .mat file ({exc}); replace it') from exc


def _shuffled_indices(total: int, n_train: int) -> Tuple[np.ndarray, np.ndarray]:
    order = np.arange(total)
    np.random.RandomState(SPLIT_SEED).shuffle(order)
    return order[:n_train], order[n_train:]


def _cat2000_indices(samples: List[Sample]) -> Tuple[np.ndarray, np.ndarray]:
    """Each category's first 80 / last 20 of one shuffle of 0..99, offset by 100 per category."""
    categories = [s.category for s in samples]
    for start in range(0, len(samples), CAT2000_PER_CATEGORY):
        end = start + CAT2000_PER_CATEGORY
        block = set(categories[start:end])
        if len(block) != 1 or None in block:
            raise DatasetError(
                f'the official CAT2000 split needs {CAT2000_CATEGORIES} category folders of '
                f'{CAT2000_PER_CATEGORY} stimuli each in stimuli/; stimuli {start}..{end - 1} '
                '(sorted) lie in '
                f'{sorted(str(c) for c in block)}; restore the official download or use '
                '--split all')
    per_train = OFFICIAL_COUNTS['cat2000']['official-train'] // CAT2000_CATEGORIES
    train_in, val_in = _shuffled_indices(CAT2000_PER_CATEGORY, per_train)
    offsets = np.arange(CAT2000_CATEGORIES)[:, None] * CAT2000_PER_CATEGORY
    return (offsets + train_in).ravel(), (offsets + val_in).ravel()
