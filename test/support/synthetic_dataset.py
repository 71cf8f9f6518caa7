"""
Small saliency datasets in the official MSI-Net layouts, with the density they are drawn from.

:func:`make_dataset` writes ``<root>/<name>/{stimuli,fixations,saliency}`` as download.py does
for that dataset (see ``msinet_ros.evaluation.datasets``): images of a few coloured Gaussian
blobs on a textured background; fixations drawn (seeded) from a known density, the blobs'
mixture plus a centre bias; the binary fixation files as the real ones are stored (MIT1003
``_fixPts.jpg`` as lossy JPEG of quality 75, MATLAB's default; CAT2000 ``.mat`` ``fixLocs``;
SALICON ``.mat`` ``gaze``; OSIE, DUT-OMRON and PASCAL-S RGBA PNG as matplotlib's
``imsave(cmap='gray')`` writes them) and the density maps as 8-bit images of the
Gaussian-blurred fixations. The known density (summing to 1) and the drawn fixations
((row, col), repeats kept) are saved next to them, in ``known_density/<name>.npy`` and
``known_fixations/<name>.npy``; :func:`known_density` and :func:`known_fixations` read them.
"""

from pathlib import Path
from typing import Tuple

import cv2
import numpy as np
from scipy.io import savemat
from scipy.ndimage import gaussian_filter

CAT2000_NAMES = ('Action', 'Affective', 'Art', 'BlackWhite', 'Cartoon', 'Fractal', 'Indoor',
                 'Inverted', 'Jumbled', 'LineDrawing', 'LowResolution', 'Noisy', 'Object',
                 'OutdoorManMade', 'OutdoorNatural', 'Pattern', 'Random', 'Satelite', 'Sketch',
                 'Social')
MIT1003_JPEG_QUALITY = 75  # MATLAB imwrite's default, what the fixPts files were saved with
CENTRE_WEIGHT = 0.25  # share of the centre bias in the known density
OBSERVERS = 4  # SALICON: the fixations are split among this many gaze records
FOLDERS = ('stimuli', 'fixations', 'saliency')


def make_dataset(root: Path, name: str = 'mit1003', count: int = 12,
                 size: Tuple[int, int] = (48, 64), seed: int = 0, *, fixations: int = 30,
                 categories: int = 2, mat_version: str = '5', placeholders: bool = False,
                 folders: Tuple[str, ...] = FOLDERS) -> Path:
    """
    Write a dataset of ``count`` images of ``size`` (H, W) and return its folder.

    ``categories``: CAT2000's category folders (the images are dealt out evenly, numbered
    001… in each). SALICON puts a third of the images in ``val``. ``mat_version`` '7.3' writes
    CAT2000's ``.mat`` as HDF5 (needs h5py). ``placeholders`` writes empty files of the right
    names only (for layout and split tests: fast, but no content, no known density).
    ``folders``: which of :data:`FOLDERS` to write (fewer files for the big split tests).
    """
    folder = Path(root) / name
    rng = np.random.default_rng(seed)
    made = set()
    for key, files in _names(name, count, categories):
        paths = [folder / part / file for part, file in zip(FOLDERS, files)]
        for part, path in zip(FOLDERS, paths):
            if part in folders and path.parent not in made:
                path.parent.mkdir(parents=True, exist_ok=True)
                made.add(path.parent)
        if placeholders:
            for part, path in zip(FOLDERS, paths):
                if part in folders:
                    path.write_bytes(b'')
            continue
        image, density = _scene(rng, size)
        drawn = rng.choice(density.size, size=fixations, p=density.ravel())
        points = np.stack(np.unravel_index(drawn, density.shape), axis=1).astype(np.int64)
        binary = np.zeros(size, bool)
        binary[points[:, 0], points[:, 1]] = True
        blurred = gaussian_filter(binary.astype(np.float64), max(1.0, min(size) / 20))
        if 'stimuli' in folders:
            cv2.imwrite(str(paths[0]), image[..., ::-1])
        if 'fixations' in folders:
            _write_fixations(name, paths[1], binary, points, size, mat_version)
        if 'saliency' in folders:
            _write_density(name, paths[2], blurred)
        for what, array in (('known_density', density), ('known_fixations', points)):
            target = folder / what / f'{key}.npy'
            target.parent.mkdir(parents=True, exist_ok=True)
            np.save(target, array)
    return folder


def known_density(folder: Path, name: str) -> np.ndarray:
    """Return the density (sums to 1) the fixations of sample ``name`` were drawn from."""
    return np.load(Path(folder) / 'known_density' / f'{name}.npy', allow_pickle=False)


def known_fixations(folder: Path, name: str) -> np.ndarray:
    """Return the drawn fixations of sample ``name``, (N, 2) (row, col), repeats kept."""
    return np.load(Path(folder) / 'known_fixations' / f'{name}.npy', allow_pickle=False)


def _names(name: str, count: int, categories: int):
    """Yield (sample name, (stimulus, fixations, saliency) relative file names)."""
    for k in range(count):
        if name == 'mit1003':
            stem = f'i{k:05d}_synthetic'
            yield stem, (f'{stem}.jpeg', f'{stem}_fixPts.jpg', f'{stem}_fixMap.jpg')
        elif name == 'cat2000':
            stem = f'{CAT2000_NAMES[k % categories]}/{k // categories + 1:03d}'
            yield stem, (f'{stem}.jpg', f'{stem}.mat', f'{stem}.jpg')
        elif name == 'salicon':
            part = 'val' if k < count // 3 else 'train'
            stem = f'{part}/COCO_{part}2014_{k:012d}'
            yield stem, (f'{stem}.jpg', f'{stem}.mat', f'{stem}.png')
        elif name in ('osie', 'dutomron', 'pascals'):
            stem = {'osie': str(1001 + k), 'dutomron': f'sun_{k:05d}', 'pascals': str(k + 1)}[name]
            yield stem, (f'{stem}.jpg', f'{stem}.png', f'{stem}.png')
        else:
            raise ValueError(f'no synthetic layout for {name!r}')


def _scene(rng: np.random.Generator, size: Tuple[int, int]) -> Tuple[np.ndarray, np.ndarray]:
    """Return an RGB uint8 image of blobs on texture and the density (sums to 1) of its blobs."""
    height, width = size
    rows, cols = np.mgrid[0:height, 0:width].astype(np.float64)
    stripes = np.sin(cols * rng.uniform(0.3, 0.8) + rows * rng.uniform(0.1, 0.5))
    image = 110 + 15 * stripes[..., None] + rng.normal(0, 8, (height, width, 3))
    density = np.zeros(size)
    blobs = rng.integers(2, 4)
    for _ in range(blobs):
        centre = rng.uniform(0.15, 0.85, 2) * (height, width)
        sigma = rng.uniform(0.05, 0.1) * min(size)
        bump = np.exp(-((rows - centre[0]) ** 2 + (cols - centre[1]) ** 2) / (2 * sigma ** 2))
        colour = rng.permutation([rng.uniform(200, 255), rng.uniform(0, 60), rng.uniform(0, 60)])
        image = image * (1 - bump[..., None]) + colour * bump[..., None]
        density += (1 - CENTRE_WEIGHT) / blobs * bump / bump.sum()
    centre_bias = np.exp(-(((rows - (height - 1) / 2) / (0.25 * height)) ** 2
                           + ((cols - (width - 1) / 2) / (0.25 * width)) ** 2) / 2)
    density += CENTRE_WEIGHT * centre_bias / centre_bias.sum()
    return np.clip(np.rint(image), 0, 255).astype(np.uint8), density / density.sum()


def _write_fixations(name: str, path: Path, binary: np.ndarray, points: np.ndarray,
                     size: Tuple[int, int], mat_version: str):
    if name == 'mit1003':
        cv2.imwrite(str(path), binary.astype(np.uint8) * 255,
                    [cv2.IMWRITE_JPEG_QUALITY, MIT1003_JPEG_QUALITY])
    elif name == 'cat2000' and mat_version == '7.3':
        _write_mat73(path, 'fixLocs', binary)
    elif name == 'cat2000':
        savemat(str(path), {'fixLocs': binary})
    elif name == 'salicon':
        records = np.zeros((OBSERVERS, 1), dtype=[('location', 'O'), ('timestamp', 'O'),
                                                  ('fixations', 'O')])
        for observer, share in enumerate(np.array_split(points, OBSERVERS)):
            xy = share[:, ::-1].astype(np.float64) + 1  # 1-based (x, y)
            records[observer, 0] = (xy, np.arange(len(xy), dtype=np.float64)[:, None], xy)
        savemat(str(path), {'image': path.stem, 'resolution': np.array([size], np.float64),
                            'gaze': records})
    else:
        _write_matplotlib_grey(path, binary.astype(np.float64))


def _write_density(name: str, path: Path, blurred: np.ndarray):
    if name in ('osie', 'dutomron', 'pascals'):
        _write_matplotlib_grey(path, blurred)
        return
    scaled = blurred / blurred.max() if blurred.max() > 0 else blurred
    cv2.imwrite(str(path), np.rint(scaled * 255).astype(np.uint8))  # JPEG or PNG by suffix


def _write_matplotlib_grey(path: Path, values: np.ndarray):
    """Write ``values`` as ``matplotlib.pyplot.imsave(path, values, cmap='gray')`` does."""
    low, high = values.min(), values.max()
    scaled = (values - low) / (high - low) if high > low else np.zeros_like(values)
    grey = np.minimum(np.floor(scaled * 256), 255).astype(np.uint8)
    alpha = np.full_like(grey, 255)
    cv2.imwrite(str(path), np.dstack([grey, grey, grey, alpha]))


def _write_mat73(path: Path, variable: str, array: np.ndarray):
    """Write one array as a MATLAB v7.3 (HDF5) file, stored columns first as MATLAB does."""
    import h5py

    with h5py.File(str(path), 'w', userblock_size=512) as contents:
        stored = contents.create_dataset(variable, data=np.ascontiguousarray(array.T, np.uint8))
        stored.attrs['MATLAB_class'] = np.bytes_(b'logical')
    text = b'MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: synthetic HDF5 schema 1.00 .'
    with open(path, 'r+b') as header:
        header.write(text.ljust(116) + bytes(8) + b'\x00\x02IM')
