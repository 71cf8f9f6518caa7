#!/usr/bin/env python3
"""
Write the reference values of the Tübingen protocol's measures, computed by pysaliency.

The inputs (small maps, fixations, densities, baselines) are drawn from a seeded generator
and written to ``test/data/metrics/tuebingen_reference.npz``; the values pysaliency gives for
them, the versions and the command to ``tuebingen_reference.json``. Only pysaliency's own
functions and model methods score (``AUC_per_image``, ``AUC``, ``NSSs``, ``CCs``, ``SIMs``,
``image_based_kl_divergences`` with the benchmark's regularisation, ``information_gains``,
``FixationMap``, ``FullShuffledNonfixationProvider``, ``general_roc``); this package is not
imported. CI reads only the two files.

It needs pysaliency (0.2.22 was used) and pandas, not torch: a stub module stands in for
torch, which pysaliency imports but these measures never call. numpy 2.4 dropped
``np.trapz`` that pysaliency's ROC calls; ``np.trapezoid`` (the same function, renamed in
numpy 2.0) is put in its place. Usage::

    /tmp/psvenv/bin/python test/tools/make_tuebingen_metric_fixtures.py
"""

import argparse
from importlib.metadata import version
import json
import pathlib
import platform
import sys
import types

import numpy as np
import pandas
import scipy

DATA = pathlib.Path(__file__).resolve().parent.parent / 'data' / 'metrics'
SEED = 20240611
EPS = 1e-3  # as_density's relative floor for IG (msinet_ros.metrics.density.DEFAULT_EPS)
KL_REGULARIZATION = 2.2204e-16  # the benchmark's evaluate_KLDiv
SHAPE = (24, 32)
SET_SHAPES = ((24, 32), (30, 40), (20, 20), (24, 32), (18, 26))
SET_COUNTS = (15, 25, 10, 0, 30)  # one image without fixations
SET_KERNEL = 3.0  # FixationMap kernel_size for the set's empirical maps (pixels)


def import_pysaliency():
    """Import pysaliency with a stub for torch and np.trapz restored."""

    class Stub(types.ModuleType):
        def __getattr__(self, name):
            if name.startswith('__'):
                raise AttributeError(name)
            return Stub(f'{self.__name__}.{name}')

    for name in ('torch', 'torch.nn', 'torch.nn.functional', 'torch.utils',
                 'torch.utils.data'):
        sys.modules.setdefault(name, Stub(name))
    if not hasattr(np, 'trapz'):
        np.trapz = np.trapezoid
    import pysaliency
    return pysaliency


def centre_gaussian(shape, sigma=0.25):
    """Return a Gaussian centre density at ``shape`` (sums to 1), the IG baseline."""
    rows = (np.arange(shape[0]) + 0.5) / shape[0] - 0.5
    cols = (np.arange(shape[1]) + 0.5) / shape[1] - 0.5
    values = np.exp(-0.5 * (rows[:, None] ** 2 + cols[None, :] ** 2) / sigma ** 2)
    return values / values.sum()


def smooth_noise(rng, shape, sigma=2.0):
    """Return a smooth random map in [0, 1]."""
    from scipy.ndimage import gaussian_filter
    values = gaussian_filter(rng.random(shape), sigma)
    return (values - values.min()) / (values.max() - values.min())


def draw_fixations(rng, shape, count, duplicates=5):
    """Return ``count`` fixations (row, col), biased to the centre, the last few repeated."""
    rows = np.clip(rng.normal(shape[0] / 2, shape[0] / 5, count), 0, shape[0] - 1)
    cols = np.clip(rng.normal(shape[1] / 2, shape[1] / 5, count), 0, shape[1] - 1)
    points = np.stack([rows, cols], axis=1).astype(np.int64)
    if count > duplicates:
        points[-duplicates:] = points[:duplicates]
    return points


def single_cases(rng):
    """Return the single-image cases: name -> (map, fixations, density)."""
    base = smooth_noise(rng, SHAPE)
    fixations = draw_fixations(rng, SHAPE, 40)
    density = smooth_noise(rng, SHAPE, 3.0) ** 2
    sparse_map = np.maximum(base - 0.5, 0.0)
    sparse_density = np.where(rng.random(SHAPE) < 0.7, 0.0, rng.random(SHAPE))
    cases = {
        'random': (base, fixations, density),
        'ties': (np.floor(base * 4) / 4, fixations, density),
        'constant': (np.full(SHAPE, 0.7), fixations, density),
        'zeros': (np.zeros(SHAPE), fixations, density),
        'negative': (3.0 * base - 1.2, fixations, density),
        'offset': (base + 0.5, fixations, density),
        'inverted': (-base, fixations, density),
        'sparse': (sparse_map, draw_fixations(rng, SHAPE, 30), sparse_density),
    }
    return cases


def make_models(pysaliency, maps, densities, baselines, eps):
    """Return pysaliency models that look the map of a stimulus up by its index pixel."""
    def index(stimulus):
        return int(np.asarray(stimulus)[0, 0, 0])

    class MapModel(pysaliency.SaliencyMapModel):
        def __init__(self, table):
            super().__init__(caching=False)
            self.table = table

        def _saliency_map(self, stimulus):
            return self.table[index(stimulus)]

    class MapDensityModel(pysaliency.Model):
        """The map as a density: pysaliency's conversion with minimum_value = eps * mean."""

        def __init__(self):
            super().__init__(caching=False)

        def _log_density(self, stimulus):
            smap = maps[index(stimulus)]
            shifted = smap - smap.min() if smap.min() < 0 else smap
            minimum = eps * shifted.mean()
            with np.errstate(divide='ignore'):
                return np.log(pysaliency.metrics.convert_saliency_map_to_density(
                    smap, minimum_value=minimum))

    class BaselineModel(pysaliency.Model):
        def __init__(self):
            super().__init__(caching=False)

        def _log_density(self, stimulus):
            return np.log(baselines[index(stimulus)])

    return MapModel(maps), MapModel(densities), MapDensityModel(), BaselineModel()


def stimuli_and_fixations(pysaliency, shapes, fixations):
    """Return pysaliency Stimuli (image i holds i in its first pixel) and Fixations."""
    images = []
    for i, shape in enumerate(shapes):
        image = np.zeros(tuple(shape) + (3,), dtype=np.uint8)
        image[0, 0, 0] = i
        image[-1, -1, -1] = 7  # distinct from any all-zero image
        images.append(image)
    points = [np.asarray(f, dtype=np.int64).reshape(-1, 2) for f in fixations]
    ns = np.concatenate([np.full(len(p), i) for i, p in enumerate(points)]).astype(int)
    ys = np.concatenate([p[:, 0] for p in points]).astype(float)
    xs = np.concatenate([p[:, 1] for p in points]).astype(float)
    return pysaliency.Stimuli(images), pysaliency.Fixations.create_without_history(xs, ys, ns)


def per_image_mean(values, ns, count):
    """Return the mean of per-fixation values per image (None for an image without any)."""
    return [float(np.mean(values[ns == n])) if (ns == n).any() else None for n in range(count)]


def score_set(pysaliency, maps, densities, baselines, fixations, eps):
    """Return pysaliency's per-image and dataset values of a set of images."""
    stimuli, fix = stimuli_and_fixations(pysaliency, [m.shape for m in maps], fixations)
    model, gold, density_model, baseline = make_models(pysaliency, maps, densities, baselines,
                                                       eps)
    count = len(maps)

    def nan_to_none(values):
        return [None if v is None or np.isnan(v) else float(v) for v in values]

    nss = model.NSSs(stimuli, fix)
    ig = density_model.information_gains(stimuli, fix, baseline_model=baseline)
    kl = model.image_based_kl_divergences(
        stimuli, gold, minimum_value=0, log_regularization=KL_REGULARIZATION,
        quotient_regularization=KL_REGULARIZATION)
    per_image = {
        'AUC-Judd': nan_to_none(model.AUC_per_image(stimuli, fix, nonfixations='uniform')),
        'sAUC': nan_to_none(model.AUC_per_image(stimuli, fix, nonfixations='shuffled'))
        if count > 1 else [None],  # one image: no other fixations (pysaliency divides by 0)
        'NSS': per_image_mean(nss, fix.n, count),
        'IG': per_image_mean(ig, fix.n, count),
        'CC': nan_to_none(model.CCs(stimuli, gold)),
        'SIM': nan_to_none(model.SIMs(stimuli, gold)),
        'KLD': nan_to_none(kl),
    }
    dataset = {
        'AUC-Judd': {average: float(model.AUC(stimuli, fix, nonfixations='uniform',
                                              average=average))
                     for average in ('fixation', 'image')},
        'sAUC': {average: float(model.AUC(stimuli, fix, nonfixations='shuffled',
                                          average=average))
                 for average in ('fixation', 'image')} if count > 1 else {},
        'NSS': {average: float(model.NSS(stimuli, fix, average=average))
                for average in ('fixation', 'image')},
        'IG': {average: float(density_model.information_gain(
            stimuli, fix, baseline_model=baseline, average=average))
            for average in ('fixation', 'image')},
        'CC': {'image': float(model.CC(stimuli, gold))},
        'SIM': {'image': float(model.SIM(stimuli, gold))},
        'KLD': {'image': float(model.image_based_kl_divergence(
            stimuli, gold, minimum_value=0, log_regularization=KL_REGULARIZATION,
            quotient_regularization=KL_REGULARIZATION))},
    }
    return stimuli, fix, per_image, dataset


def main() -> None:
    """Draw the inputs, score them with pysaliency and write the two files."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[1])
    parser.add_argument('-o', '--out', type=pathlib.Path, default=DATA,
                        help='folder for tuebingen_reference.{json,npz}')
    args = parser.parse_args()
    pysaliency = import_pysaliency()
    np.seterr(divide='ignore')  # log(0) of zero-valued maps in pysaliency's KL (regularised)
    rng = np.random.default_rng(SEED)
    arrays = {}
    cases = {}
    for name, (smap, points, density) in single_cases(rng).items():
        baseline = centre_gaussian(SHAPE)
        _, _, per_image, _ = score_set(pysaliency, [smap], [density], [baseline], [points],
                                       EPS)
        cases[name] = {key: values[0] for key, values in per_image.items() if key != 'sAUC'}
        arrays.update({f'{name}/map': smap, f'{name}/fixations': points,
                       f'{name}/density': density, f'{name}/baseline': baseline})

    maps = [smooth_noise(rng, shape) for shape in SET_SHAPES]
    maps[2] = np.round(maps[2] * 3) / 3  # ties
    fixations = [draw_fixations(rng, shape, count)
                 for shape, count in zip(SET_SHAPES, SET_COUNTS)]
    stimuli, fix = stimuli_and_fixations(pysaliency, SET_SHAPES, fixations)
    empirical = pysaliency.FixationMap(stimuli, fix, kernel_size=SET_KERNEL, caching=False)
    densities = [empirical.saliency_map(stimuli[n]) for n in range(len(SET_SHAPES))]
    densities[3] = smooth_noise(rng, SET_SHAPES[3])  # no fixations: any density
    baselines = [centre_gaussian(shape) for shape in SET_SHAPES]
    _, _, set_per_image, set_dataset = score_set(pysaliency, maps, densities, baselines,
                                                 fixations, EPS)
    provider = pysaliency.saliency_map_models.FullShuffledNonfixationProvider(stimuli, fix)
    for n in range(len(SET_SHAPES)):
        xs, ys = provider.nonfixations_for_image(n)
        arrays[f'set/{n}/other_fixations'] = np.stack([ys, xs], axis=1).astype(np.int64)
        arrays[f'set/{n}/map'] = maps[n]
        arrays[f'set/{n}/fixations'] = fixations[n]
        arrays[f'set/{n}/density'] = densities[n]
        arrays[f'set/{n}/baseline'] = baselines[n]

    positives = np.array([3.0, 1.0, 2.0, 2.0, 5.0, 0.0])
    negatives = np.array([0.0, 1.0, 1.0, 2.0, 4.0, 4.0, 5.0, 2.0, 3.0])
    arrays['roc/positives'], arrays['roc/negatives'] = positives, negatives
    roc = float(pysaliency.roc.general_roc(positives, negatives)[0])

    reference = {
        'format': 1,
        'about': 'pysaliency reference values of the Tübingen protocol (see the tool).',
        'command': 'test/tools/make_tuebingen_metric_fixtures.py (run with '
                   '/tmp/psvenv/bin/python, pysaliency installed from PyPI)',
        'versions': {'pysaliency': version('pysaliency'), 'numpy': np.__version__,
                     'scipy': scipy.__version__, 'pandas': pandas.__version__,
                     'numba': version('numba'), 'python': platform.python_version(),
                     'shims': 'torch stubbed (unused); np.trapz = np.trapezoid'},
        'seed': SEED, 'eps': EPS, 'kl_regularization': KL_REGULARIZATION,
        'set_kernel_size': SET_KERNEL,
        'cases': cases,
        'set': {'count': len(SET_SHAPES), 'per_image': set_per_image,
                'dataset': set_dataset},
        'roc': roc,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out / 'tuebingen_reference.npz', **arrays)
    with open(args.out / 'tuebingen_reference.json', 'w', encoding='utf-8') as stream:
        json.dump(reference, stream, indent=1, ensure_ascii=False)
        stream.write('\n')
    print(f'wrote {args.out}/tuebingen_reference.{{json,npz}}')


if __name__ == '__main__':
    main()
